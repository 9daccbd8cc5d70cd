// The arguments of a Relay connection, checked before it queries: a cursor must be one this API
// handed out (an id wrapped by @pothos/plugin-prisma; the runs' hold their sort key: runOrder.ts), or
// the caller gets BAD_USER_INPUT naming the argument instead of an internal error from the cursor
// decoder or the database.
import { parsePrismaCursor } from "@pothos/plugin-prisma";
import { MISTAKES_PER_CELL } from "@trainql/nn";
import { MAX_SEEDS } from "@trainql/nn/seeds";
import { WHOLE } from "@trainql/nn/validation";
import { z } from "zod";
import type { CostedField } from "../security/queryCost.ts";
import { badInput } from "./errors.ts";
import { UUID } from "./ids.ts";

/** Whether `cursor` wraps a UUID, as the cursors of runs and sweeps (keyed by their ids) do. */
function isIdCursor(cursor: string): boolean {
  try {
    const id = parsePrismaCursor(cursor);
    return typeof id === "string" && UUID.test(id);
  } catch {
    return false;
  }
}

const cursorArg = (name: "after" | "before", isCursor: (cursor: string) => boolean) =>
  z
    .string()
    .refine(isCursor, {
      error: (issue) =>
        `${name} must be a cursor returned by this API (an edge's cursor or pageInfo's start/endCursor); got "${String(issue.input)}"`,
      params: WHOLE,
    })
    .nullish();

/** Arguments that cannot go together: forwards is first (with after), backwards last (with before). */
const EXCLUSIVE = [
  ["first", "last"],
  ["after", "before"],
  ["first", "before"],
  ["last", "after"],
] as const;

/**
 * For a connection's `validate`: its page size and cursors, with its other arguments passed through.
 * Pothos refuses some of these itself, with an error the API masks as unexpected; others it serves
 * otherwise than asked (a page over maxSize cut to it, first with last paged backwards).
 */
export const connectionArgsOf = ({
  maxSize,
  isCursor = isIdCursor,
}: {
  maxSize: number;
  /** Whether this API could have handed out a cursor; by default, a Prisma cursor of an id. */
  isCursor?: (cursor: string) => boolean;
}) =>
  z
    .looseObject({
      after: cursorArg("after", isCursor),
      before: cursorArg("before", isCursor),
      first: z.int().nullish(),
      last: z.int().nullish(),
    })
    .superRefine((args, ctx) => {
      // (Whole sentences: an argument's problems are named by their path past the argument.)
      for (const name of ["first", "last"] as const) {
        const size = args[name];
        if (size == null || (size >= 0 && size <= maxSize)) continue;
        const message =
          size < 0
            ? `${name} must be at least 0 (the number of items to return)`
            : `${name} must be at most ${maxSize}: page on with the cursors`;
        ctx.addIssue({ code: "custom", path: [name], message, params: WHOLE });
      }
      for (const [a, b] of EXCLUSIVE)
        if (args[a] != null && args[b] != null)
          ctx.addIssue({
            code: "custom",
            path: [b],
            message: `${a} and ${b} cannot be given together: page forwards with first and after, or backwards with last and before`,
            params: WHOLE,
          });
    });

/**
 * The root connections' pages, by their type names: a page's size when neither `first` nor `last` is
 * given, and the most it may hold (the query cost limit counts a page of the default size too).
 */
export const PAGE_SIZES = {
  QueryRunsConnection: { defaultSize: 50, maxSize: 500 },
  QuerySweepsConnection: { defaultSize: 20, maxSize: 100 },
} as const satisfies Record<string, { defaultSize: number; maxSize: number }>;

/**
 * How many items the query cost limit counts for a list asked for without `first` or `last`
 * (security/queryCost.ts): a connection's default page; a seed group's members, at most MAX_SEEDS; a
 * run's validation mistakes, MISTAKES_PER_CELL a cell;
 * the ids given to `nodes`. Any other list counts as one item, which is why a list may not be asked
 * for within itself (listsWithinThemselves).
 */
export function itemsOf(field: CostedField): number | undefined {
  const page = (PAGE_SIZES as Record<string, { defaultSize: number }>)[field.returnType];
  if (page) return page.defaultSize;
  if (field.parentType === "RunGroup" && field.fieldName === "runs") return MAX_SEEDS;
  if (field.parentType === "Run" && field.fieldName === "valMistakes") return MISTAKES_PER_CELL;
  if (field.parentType === "Query" && field.fieldName === "nodes") {
    const ids = field.argument("ids");
    return Array.isArray(ids) ? ids.length : undefined;
  }
  return undefined;
}

/**
 * A page, unless it is empty because the row at its cursor no longer exists. The database pages from
 * the cursor's row, and without it returns nothing: a client paging through sweeps while the one at its
 * cursor was deleted took that empty page for the end of the list. (Runs page by their sort key,
 * which needs no row: runOrder.ts.) Asked only of an empty page, so a
 * page stays one statement.
 */
export async function pageFromLiveCursor<T>(
  args: { after?: string | null; before?: string | null },
  page: T[],
  exists: (id: string) => Promise<boolean>,
): Promise<T[]> {
  if (page.length > 0) return page;
  for (const name of ["after", "before"] as const) {
    const cursor = args[name];
    if (cursor && !(await exists(parsePrismaCursor(cursor) as string)))
      throw badInput(
        name,
        `${name}: the row at this cursor was deleted since the page that gave it; page again from the start`,
      );
  }
  return page;
}
