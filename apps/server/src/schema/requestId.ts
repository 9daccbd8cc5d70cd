// startRun's and startSweep's requestId: a key the client chooses, so that sending the mutation again
// (after a dropped connection, or a DATABASE_UNAVAILABLE whose commit may have happened all the same)
// queues nothing new and answers with what the first one queued. The key is stored on that run or
// sweep with a fingerprint of the input it came with; the same key with other input is refused,
// naming the field, since it would otherwise answer for something the caller did not ask for. Keys
// are the caller's own (Run.queuedBy, Sweep.queuedBy: its token): two callers who both name a
// request "retry-1" do not answer for each other.
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

/**
 * The request of a mutation's input as parsed (defaults filled in, without its requestId), or null
 * if it has none. (GraphQL and the schema build the parsed input in their own field order, whatever
 * order it was sent in: its JSON is the same for the same input.)
 */
export function requestOf(requestId: string | null | undefined, input: Record<string, unknown>): Request | null {
  if (!requestId) return null;
  return { requestId, requestFingerprint: createHash("sha256").update(JSON.stringify(input)).digest("hex") };
}

/** An advisory lock's namespace ("treq"): one mutation per requestId at a time. */
const REQUEST_LOCK = 0x74726571;

/** The database, or a transaction: plain SQL, which both run alike. */
type Sql = Pick<Prisma.TransactionClient, "$executeRaw" | "$queryRaw">;

/**
 * The id of the run or sweep that `queuedBy`'s earlier `mutation` with this request queued, or null
 * if none did (or it was deleted since). Within the transaction that would queue it, `lock` first:
 * the same request sent twice at once waits here for the other's commit, then finds what it queued,
 * rather than both queuing. (The lock, not a unique index, keeps a key to one run: an index unique
 * over (queuedBy, requestId) would let callers without a token, queuedBy null, repeat keys.)
 */
export async function earlierAnswer(
  sql: Sql,
  mutation: Mutation,
  queuedBy: string | null,
  request: Request,
  lock: boolean,
): Promise<string | null> {
  const { table, what } = STORED[mutation];
  if (lock) {
    const key = `${mutation}:${queuedBy ?? ""}:${request.requestId}`;
    await sql.$executeRaw`SELECT pg_advisory_xact_lock(${REQUEST_LOCK}::int4, hashtext(${key}))`;
  }
  const [earlier] = await sql.$queryRaw<{ id: string; requestFingerprint: string | null }[]>`
    SELECT id::text, "requestFingerprint" FROM ${table}
    WHERE "requestId" = ${request.requestId} AND "queuedBy" IS NOT DISTINCT FROM ${queuedBy}`;
  if (!earlier) return null;
  if (earlier.requestFingerprint !== request.requestFingerprint)
    throw badInput(
      "input.requestId",
      `requestId "${request.requestId}" already queued ${what} ${earlier.id} with other input: send a new requestId for a new ${what}`,
    );
  return earlier.id;
}
