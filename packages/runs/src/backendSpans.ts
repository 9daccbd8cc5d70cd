// Which backends trained a run, and from which iteration each. A run re-queued after an
// interruption resumes on whichever trainer takes it, which in a fleet of GPU and CPU trainers may
// be of another kind: its float32 sums differ in their last bits from there on. Recorded so that a
// reader (and reproduceRun's verdict) can tell a run trained on one backend from one that was not.
import type { Prisma } from "@trainql/db";

type Tx = Prisma.TransactionClient;

/** A backend and device, as a trainer reports them (the device names the adapter, or the BLAS and its threads). */
export interface BackendOnDevice {
  backend: string;
  device: string;
}

/** Iterations from `fromIteration` up to the next span's were trained on `backend` / `device`. */
export interface BackendSpan extends BackendOnDevice {
  fromIteration: number;
}

/**
 * Records that `on` trains the run from `fromIteration` (where its new owner resumed it, what was
 * stored past there already dropped: rewindToCheckpoint). Nothing to record when the span before is
 * on the same backend and device: the run goes on as if never interrupted.
 */
export async function continueBackendSpan(tx: Tx, runId: string, fromIteration: number, on: BackendOnDevice) {
  const last = await tx.backendSpan.findFirst({ where: { runId }, orderBy: { fromIteration: "desc" } });
  if (last && sameBackend(last, on)) return;
  await tx.backendSpan.create({ data: { runId, fromIteration, backend: on.backend, device: on.device } });
}

export function sameBackend(a: BackendOnDevice, b: BackendOnDevice): boolean {
  return a.backend === b.backend && a.device === b.device;
}

/** Whether two runs' iterations were trained on the same backends, switching at the same iterations. */
export function sameBackendSpans(a: readonly BackendSpan[], b: readonly BackendSpan[]): boolean {
  return (
    a.length === b.length &&
    a.every((span, i) => {
      const other = b[i];
      return other !== undefined && span.fromIteration === other.fromIteration && sameBackend(span, other);
    })
  );
}
