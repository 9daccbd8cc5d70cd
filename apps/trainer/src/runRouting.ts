// A trainer's part in sending each run to a trainer that can train it (see trainerFleet.ts in
// @trainql/runs): which train jobs it skips, and what it does with the job of a run it cannot train.
import type { Db } from "@trainql/db";
import { type BackendName, trainsOnGpu } from "@trainql/nn";
import type { Hyperparameters } from "@trainql/nn/hyperparameters";
import { sentence } from "@trainql/nn/validation";
import {
  enqueueTrain,
  fitProblems,
  gpuTrainerHasRoom,
  liveTrainers,
  PREFERS_GPU,
  type TrainerCapacity,
  unfitFlag,
  unfitFlagsOf,
} from "@trainql/runs";

/** How long a look at the GPU trainers' room serves: each of a trainer's workers asks at each poll. */
const ROOM_TTL_MS = 1000;

/**
 * graphile-worker's forbiddenFlags for a trainer: the jobs it handed back (its unfit flag), and, on a
 * CPU trainer while a live GPU trainer has room, every train job that prefers a GPU.
 */
export function forbiddenFlagsOf(
  db: Db,
  trainerId: string,
  backendName: () => string,
  liveTimeoutMs: number,
): () => Promise<string[]> {
  let room: { at: number; value: Promise<boolean> } | undefined;
  return async () => {
    const flags = [unfitFlag(trainerId)];
    if (trainsOnGpu(backendName() as BackendName)) return flags;
    if (!room || performance.now() - room.at > ROOM_TTL_MS)
      room = { at: performance.now(), value: gpuTrainerHasRoom(db, liveTimeoutMs).catch(() => false) };
    if (await room.value) flags.push(PREFERS_GPU);
    return flags;
  };
}

/**
 * For a run this trainer cannot train (`problems`, from fitProblems on its own capacity): hands its
 * job back, flagged so that this trainer skips it, when another live trainer can train it, and says
 * "handed back"; when none can, says why, for the run to fail with.
 */
export async function passOn(
  db: Db,
  runId: string,
  hp: Hyperparameters,
  self: TrainerCapacity,
  jobFlags: Record<string, unknown> | null | undefined,
  liveTimeoutMs: number,
): Promise<{ handedBack: true } | { handedBack: false; error: string }> {
  const others = (await liveTrainers(db, liveTimeoutMs)).filter((t) => t.id !== self.id);
  if (others.some((t) => fitProblems(t, hp).length === 0)) {
    // (The trainers that handed it back before stay flagged; the GPU preference goes: the trainer
    // that can take it may be a CPU one, and it must not wait for a GPU trainer's room.)
    await db.$transaction((tx) => enqueueTrain(tx, runId, [...unfitFlagsOf(jobFlags), unfitFlag(self.id)]));
    return { handedBack: true };
  }
  const why = fitProblems(self, hp).map((p) => sentence(p, p.path.join(".")));
  return {
    handedBack: false,
    error: `no live trainer can train this run: ${why.join("; ")}${others.length > 0 ? ` (nor can the ${others.length} other live trainer${others.length > 1 ? "s" : ""})` : ""}`,
  };
}
