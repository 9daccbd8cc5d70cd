// Who is alive is judged on the database's clock. Trainers and API processes may run on hosts whose
// clocks disagree; a trainer whose clock ran a minute behind wrote heartbeats that every other host
// read as a minute old, and its runs were reaped as abandoned while it trained them. So every
// heartbeat is written as the database's now(), and every cutoff is the database's now() − timeout.
import { Prisma } from "@trainql/db";

/** SQL for the moment, on the database's clock, before which a heartbeat is older than `timeoutMs`. */
export const staleBeforeSql = (timeoutMs: number) =>
  Prisma.sql`(now() - make_interval(secs => ${timeoutMs / 1000}::float8))`;

/** That moment, read from the database. */
export async function staleBefore(db: Pick<Prisma.TransactionClient, "$queryRaw">, timeoutMs: number): Promise<Date> {
  const [row] = await db.$queryRaw<{ cutoff: Date }[]>`SELECT ${staleBeforeSql(timeoutMs)} AS cutoff`;
  if (!row) throw new Error("the database did not say what time it is");
  return row.cutoff;
}
