// startRun's and startSweep's requestId: a key the client chooses, so that sending the mutation again
// (after a dropped connection, or a DATABASE_UNAVAILABLE whose commit may have happened all the same)
// queues nothing new and answers with what the first one queued. The key is stored on that run or
// sweep with a fingerprint of the input it came with; the same key with other input is refused,
// naming the field, since it would otherwise answer for something the caller did not ask for.
import { createHash } from "node:crypto";
import { Prisma } from "@trainql/db";
import { shown } from "@trainql/nn/validation";
import { z } from "zod";
import { badInput } from "./errors.ts";

export const MAX_REQUEST_ID = 100;
export const REQUEST_ID_RULE = `must be 1 to ${MAX_REQUEST_ID} printable ASCII characters, no spaces (a UUID, say)`;

export const RequestId = z
  .string()
  .regex(/^[!-~]+$/, { error: (issue) => `${REQUEST_ID_RULE}; got ${shown(issue.input)}` })
  .max(MAX_REQUEST_ID, {
    error: (issue) => `${REQUEST_ID_RULE}; got ${String(issue.input).length} characters`,
  })
  .nullish();

type Mutation = "startRun" | "startSweep";

/** Where each mutation keeps its requests: on the run (the first seed's) or the sweep it queued. */
const STORED = {
  startRun: { table: Prisma.sql`"Run"`, what: "run" },
  startSweep: { table: Prisma.sql`"Sweep"`, what: "sweep" },
} as const;

/** The field's description in the schema. */
export const requestIdAbout = (mutation: Mutation) =>
  `Optional: a key of your choosing, ${REQUEST_ID_RULE.replace(/^must be /, "")}. A ${mutation} sent again with the same requestId and input queues nothing and returns the ${STORED[mutation].what} the first one queued: send one when a retry (after a dropped connection or DATABASE_UNAVAILABLE) must not queue a second. With other input it is BAD_USER_INPUT.`;

/** What the run or sweep a mutation queues records of its request. */
export interface Request {
  requestId: string;
  requestFingerprint: string;
}

/** The request of a mutation's parsed input (without its requestId), or null if it has none. */
export function requestOf(requestId: string | null | undefined, input: Record<string, unknown>): Request | null {
  if (!requestId) return null;
  // Keys sorted, at every depth: the same input written in another order is the same request.
  const canonical = JSON.stringify(input, (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return { requestId, requestFingerprint: createHash("sha256").update(canonical).digest("hex") };
}

/** An advisory lock's namespace ("treq"): one mutation per requestId at a time. */
const REQUEST_LOCK = 0x74726571;

/** The database, or a transaction: plain SQL, which both run alike. */
type Sql = Pick<Prisma.TransactionClient, "$executeRaw" | "$queryRaw">;

/**
 * The id of the run or sweep an earlier `mutation` with this request queued, or null if none did.
 * Within the transaction that would queue it, `lock` first: the same request sent twice at once
 * waits here for the other's commit, then finds what it queued, rather than both queuing.
 */
export async function earlierAnswer(
  sql: Sql,
  mutation: Mutation,
  request: Request,
  lock: boolean,
): Promise<string | null> {
  const { table, what } = STORED[mutation];
  if (lock)
    await sql.$executeRaw`SELECT pg_advisory_xact_lock(${REQUEST_LOCK}::int4, hashtext(${`${mutation}:${request.requestId}`}))`;
  const [earlier] = await sql.$queryRaw<{ id: string; requestFingerprint: string | null }[]>`
    SELECT id::text, "requestFingerprint" FROM ${table} WHERE "requestId" = ${request.requestId}`;
  if (!earlier) return null;
  if (earlier.requestFingerprint !== request.requestFingerprint)
    throw badInput(
      "input.requestId",
      `requestId "${request.requestId}" already queued ${what} ${earlier.id} with other input: send a new requestId for a new ${what}`,
    );
  return earlier.id;
}
