// Retrying database work through an outage (PostgreSQL restarting, a dropped connection, a stalled
// server that lets transactions time out), and only then: a constraint violation or a bug fails at
// once. Retried work is whole transactions, which either committed or rolled back, and the writes we
// retry are idempotent.

const TRANSIENT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|terminating connection|not queryable|closed the connection|Connection closed|Can't reach database|the database system is (starting up|shutting down|in recovery)|timeout exceeded when trying to connect|Timed out fetching a new connection|connect ECONN|Unable to start a transaction in the given time|expired transaction|Transaction already closed/i;
const TRANSIENT_CODES = new Set([
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
  "P2028", // interactive transaction API error: timed out starting, or expired while the server stalled
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08003",
  "08006",
]);

export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { code, message, cause, meta } = e as {
      code?: string;
      message?: string;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if ((code && TRANSIENT_CODES.has(code)) || (message && TRANSIENT.test(message))) return true;
    e = cause ?? meta?.driverAdapterError;
  }
  return false;
}

/** Runs `op`, retrying transient failures with backoff for up to `forMs`; then gives up with the last error. */
export async function withRetry<T>(
  op: () => Promise<T>,
  forMs = 120_000,
  onRetry?: (error: unknown, attempt: number) => void,
): Promise<T> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (!isTransient(error) || Date.now() - start > forMs) throw error;
      onRetry?.(error, attempt);
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
    }
  }
}
