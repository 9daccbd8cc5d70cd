// The orders of the runs list, and its cursors. A cursor holds the sort key of the run it was taken at
// (its accuracy, creation time and id, as they were on that page), and the next page is the runs that
// sort after that key now. Prisma's own cursors hold only the id and page from the run's key as it
// is at the next request: a run that trained another epoch moved the place to page from, and a script
// paging runs by accuracy while a sweep trained got runs twice (its best accuracy rose) or missed them
// (its final accuracy fell); and a run deleted since left no place at all.
import type { Prisma, Run } from "@trainql/db";
import { z } from "zod";
import { builder } from "./builder.ts";
import { badInput } from "./errors.ts";
import { UUID } from "./ids.ts";

export const RunOrder = builder.enumType("RunOrder", {
  values: [
    "CREATED_AT_DESC",
    "CREATED_AT_ASC",
    "BEST_VAL_ACC_DESC",
    "BEST_VAL_ACC_ASC",
    "FINAL_VAL_ACC_DESC",
    "FINAL_VAL_ACC_ASC",
  ] as const,
});
export type RunOrderName = (typeof RunOrder)["$inferType"];

/** One column of a sort key; a nullable one sorts its nulls last in both directions. */
type KeyColumn = { column: "createdAt" | "id" | "bestValAcc" | "finalValAcc"; dir: "asc" | "desc"; nullable?: true };
type KeyValue = string | number | null;

/**
 * What each order sorts by. Every key ends in `id`, so the order is total and a key marks one place in
 * it. The created-at orders come straight out of Run's (createdAt, id) index, alone or after a status
 * (see test/queryPlans.test.ts); the accuracy orders sort what they match, because Prisma cannot declare
 * the NULLS LAST index that would hold them. Newest first among equal accuracies.
 */
const KEYS: Record<RunOrderName, KeyColumn[]> = {
  CREATED_AT_DESC: [
    { column: "createdAt", dir: "desc" },
    { column: "id", dir: "desc" },
  ],
  CREATED_AT_ASC: [
    { column: "createdAt", dir: "asc" },
    { column: "id", dir: "asc" },
  ],
  BEST_VAL_ACC_DESC: accuracyKey("bestValAcc", "desc"),
  // What a sweep ranks by, and whose parameters "Evaluate on test" uses: a run that peaked and then
  // diverged is at the top by its best epoch, not by this.
  FINAL_VAL_ACC_DESC: accuracyKey("finalValAcc", "desc"),
  BEST_VAL_ACC_ASC: accuracyKey("bestValAcc", "asc"),
  FINAL_VAL_ACC_ASC: accuracyKey("finalValAcc", "asc"),
};

function accuracyKey(column: "bestValAcc" | "finalValAcc", dir: "asc" | "desc"): KeyColumn[] {
  return [
    { column, dir, nullable: true },
    { column: "createdAt", dir: "desc" },
    { column: "id", dir: "desc" },
  ];
}

/** The columns a page in `order` must read to hand out its cursors, whatever the query asked for. */
export const cursorColumnsOf = (order: RunOrderName): { [C in KeyColumn["column"]]?: true } =>
  Object.fromEntries(KEYS[order].map(({ column }) => [column, true]));
type CursorRow = Pick<Run, KeyColumn["column"]>;

/** Prisma's orderBy for an order, or for reading it backwards (`last`/`before`). */
export function orderByOf(order: RunOrderName, backwards: boolean): Prisma.RunOrderByWithRelationInput[] {
  return KEYS[order].map(({ column, dir, nullable }) => {
    const sort = backwards ? (dir === "asc" ? "desc" : "asc") : dir;
    return { [column]: nullable ? { sort, nulls: backwards ? "first" : "last" } : sort };
  });
}

/** A cursor: base64url JSON of the order and the run's key in it. */
export function cursorOf(order: RunOrderName, run: CursorRow): string {
  const key = KEYS[order].map(({ column }) => (column === "createdAt" ? run.createdAt.toISOString() : run[column]));
  return Buffer.from(JSON.stringify([order, ...key])).toString("base64url");
}

// (Years 0001 to 9999: PostgreSQL has no year 0, which toISOString writes for 1 BC.)
const ISO_TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CursorJson = z.tuple([z.string()], z.union([z.string(), z.number(), z.null()]));

/** The order and key in a cursor, or undefined if this API did not hand it out. */
function parseCursor(cursor: string): { order: RunOrderName; key: KeyValue[] } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = CursorJson.safeParse(json);
  if (!parsed.success) return undefined;
  const [order, ...key] = parsed.data;
  if (!Object.hasOwn(KEYS, order)) return undefined; // (not "toString")
  const columns = KEYS[order as RunOrderName];
  if (key.length !== columns.length) return undefined;
  const fits = columns.every(({ column, nullable }, i) => {
    const value = key[i];
    if (value === null) return nullable === true;
    if (column === "id") return typeof value === "string" && UUID.test(value);
    // As toISOString writes them, and so within the database's range.
    if (column === "createdAt")
      return typeof value === "string" && ISO_TIME.test(value) && new Date(value).toISOString() === value;
    return typeof value === "number" && Number.isFinite(value);
  });
  return fits ? { order: order as RunOrderName, key } : undefined;
}

/** Whether this API could have handed out `cursor` (for the arguments' check). */
export const isRunCursor = (cursor: string) => parseCursor(cursor) !== undefined;

/**
 * The runs strictly after (or, `backwards`, before) the cursor's place in `order`, as a Prisma
 * condition. A cursor from a list in another order names no place in this one: BAD_USER_INPUT.
 */
export function beyondCursor(
  order: RunOrderName,
  cursor: string,
  argument: "after" | "before",
  backwards: boolean,
): Prisma.RunWhereInput {
  const parsed = parseCursor(cursor);
  if (!parsed) throw badInput(argument, `${argument} must be a cursor returned by this API`);
  if (parsed.order !== order)
    throw badInput(
      argument,
      `${argument} is a cursor of the runs in the order ${parsed.order}; page with orderBy: ${parsed.order}, or start again without ${argument}`,
    );
  const columns = KEYS[order];
  const values = parsed.key.map((value, i) => (columns[i]!.column === "createdAt" ? new Date(value as string) : value));
  // (k₀ beyond v₀) or (k₀ = v₀ and k₁ beyond v₁) or …, the lexicographic order the key sorts in.
  const alternatives: Prisma.RunWhereInput[] = [];
  columns.forEach((column, i) => {
    const beyond = beyondValue(column, values[i]!, backwards);
    if (!beyond) return;
    const equal = columns.slice(0, i).map(({ column: c }, j) => ({ [c]: values[j] }));
    alternatives.push({ AND: [...equal, beyond] });
  });
  // The leading column's bound on its own too, so that the database reads on in its index rather than
  // filter the list from its start (the OR alone does not say where to begin).
  const [lead] = columns;
  const bound =
    lead && !lead.nullable
      ? [{ [lead.column]: { [(lead.dir === "desc") !== backwards ? "lte" : "gte"]: values[0] } }]
      : [];
  return { AND: [...bound, { OR: alternatives }] };
}

/** The values of one column strictly beyond `value` in its order; undefined if there are none. */
function beyondValue(
  { column, dir, nullable }: KeyColumn,
  value: Date | KeyValue,
  backwards: boolean,
): Prisma.RunWhereInput | undefined {
  // Nulls sort last: after a null nothing is, before it every value is; after a value are the nulls too.
  if (value === null) return backwards ? { [column]: { not: null } } : undefined;
  const comparison = { [(dir === "desc") !== backwards ? "lt" : "gt"]: value };
  if (nullable && !backwards) return { OR: [{ [column]: comparison }, { [column]: null }] };
  return { [column]: comparison };
}
