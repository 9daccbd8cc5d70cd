// startRun's requestId: a key the client chooses, so that sending a startRun again (after a dropped
// connection, or a DATABASE_UNAVAILABLE whose commit may have happened all the same) queues nothing
// new and returns the run the first one queued. The key is stored on that run with a fingerprint of
// the input it came with; the same key with other input is refused, naming the field, since it would
// otherwise answer for a run the caller did not ask for.
import { createHash } from "node:crypto";
import type { Prisma } from "@trainql/db";
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

/** What the first run a startRun queues records of its request. */
export interface StartRunRequest {
  requestId: string;
  requestFingerprint: string;
}

/** The request of a startRun's parsed input (without its requestId), or null if it has none. */
export function startRunRequest(
  requestId: string | null | undefined,
  input: Record<string, unknown>,
): StartRunRequest | null {
  if (!requestId) return null;
  // Keys sorted: the same input written in another order is the same request.
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(input).sort(([a], [b]) => a.localeCompare(b))));
  return { requestId, requestFingerprint: createHash("sha256").update(canonical).digest("hex") };
}

/** An advisory lock's namespace ("treq"): one startRun per requestId at a time. */
const REQUEST_LOCK = 0x74726571;

/** The database, or a transaction: plain SQL, which both run alike. */
type Sql = Pick<Prisma.TransactionClient, "$executeRaw" | "$queryRaw">;

/**
 * The id of the run an earlier startRun with this request queued, or null if none did. Within the
 * transaction that would queue it, `lock` first: the same request sent twice at once waits here for
 * the other's commit, then finds its run, rather than both queuing one.
 */
export async function earlierRun(sql: Sql, request: StartRunRequest, lock: boolean): Promise<string | null> {
  if (lock) await sql.$executeRaw`SELECT pg_advisory_xact_lock(${REQUEST_LOCK}::int4, hashtext(${request.requestId}))`;
  const [run] = await sql.$queryRaw<{ id: string; requestFingerprint: string | null }[]>`
    SELECT id::text, "requestFingerprint" FROM "Run" WHERE "requestId" = ${request.requestId}`;
  if (!run) return null;
  if (run.requestFingerprint !== request.requestFingerprint)
    throw badInput(
      "input.requestId",
      `requestId "${request.requestId}" already queued run ${run.id} with other input: send a new requestId for a new run`,
    );
  return run.id;
}
