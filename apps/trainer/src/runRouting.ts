// A trainer's part in sending each run to a trainer that can train it (see trainerFleet.ts in
// @trainql/runs): which train jobs it skips, and what it does with the job of a run it cannot train
// (or evaluate).
import type { Db } from "@trainql/db";
import { type BackendName, trainsOnGpu } from "@trainql/nn";
import type { Hyperparameters } from "@trainql/nn/hyperparameters";
import { sentence } from "@trainql/nn/validation";
import {
  type DataIdentity,
  dataProblem,
  enqueueEvaluate,
  enqueueTrain,
  fitProblems,
  gpuTrainerHasRoom,
  type JobFlags,
  liveTrainers,
  PREFERS_GPU,
  TASK,
  type TrainerCapacity,
  trainersWithData,
  unfitFlag,
  unfitFlagsOf,
  waitForData,
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
  backendName: () => BackendName,
  liveTimeoutMs: number,
): () => Promise<string[]> {
  let room: { at: number; value: Promise<boolean> } | undefined;
  return async () => {
    const flags = [unfitFlag(trainerId)];
    if (trainsOnGpu(backendName())) return flags;
    if (!room || performance.now() - room.at > ROOM_TTL_MS)
      room = { at: performance.now(), value: gpuTrainerHasRoom(db, liveTimeoutMs).catch(() => false) };
    if (await room.value) flags.push(PREFERS_GPU);
    return flags;
  };
}

/**
 * What became of the job of a run this trainer cannot train (or evaluate): see handBack. A run that
 * waits for its data set says until when, after which it fails.
 */
export type HandBack = "handed back" | { waitingForDataUntil: Date } | "nobody can";

/**
 * For a run this trainer cannot train (too big for it, it has no data set, or another one than the
 * run trained on), or evaluate (no data set, or another one): hands its job back, flagged so that this
 * trainer skips it, when another live trainer can take it (it has the run's data, or any data set for
 * a run that has none yet; for training, `run.hp` fits it). When none can, the run (or its
 * evaluation) fails here saying why ("nobody can"), except a run to train whose data set no live
 * trainer has: its own trainer may be restarting, so the job is queued again, for any trainer to look
 * at again after a while, until the run has waited `dataWaitMs` (`waitingForDataUntil`). Just after
 * a database outage, when every heartbeat is stale (`fleetKnown` false), "none" cannot be told: the job
 * is handed back all the same, and should no trainer take it, the reaper queues it again for this one
 * (reaper.ts).
 */
export async function handBack(
  db: Db,
  job: {
    task: typeof TASK.train | typeof TASK.evaluate;
    runId: string;
    flags: JobFlags | undefined;
    /** A train job's: since when its run has waited for its data (the payload's). */
    waitingSince?: string;
  },
  run: { hp: Hyperparameters | null; data: DataIdentity },
  selfId: string,
  fleet: { liveTimeoutMs: number; fleetKnown: () => boolean; dataWaitMs: number },
): Promise<HandBack> {
  const { hp, data } = run;
  const live = await liveTrainers(db, fleet.liveTimeoutMs);
  const withData = trainersWithData(live, data);
  const others = withData.filter((t) => t.id !== selfId && (hp === null || fitProblems(t, hp).length === 0));
  // (The trainers that handed it back before stay flagged.)
  const handedBack = unfitFlagsOf(job.flags);
  if (others.length === 0 && fleet.fleetKnown()) {
    if (job.task !== TASK.train || data.dataFingerprint === null || withData.length > 0) return "nobody can";
    const since = job.waitingSince ? new Date(job.waitingSince) : new Date();
    const until = new Date(since.getTime() + fleet.dataWaitMs);
    const left = until.getTime() - Date.now();
    if (left <= 0) return "nobody can";
    // (Not flagged for this trainer, which looks at it again after a heartbeat timeout's while.)
    const flags = handedBack.filter((flag) => flag !== unfitFlag(selfId));
    await db.$transaction((tx) => waitForData(tx, job.runId, flags, since, Math.min(left, fleet.liveTimeoutMs)));
    return { waitingForDataUntil: until };
  }
  // (The GPU preference goes: the trainer that can take it may be a CPU one, and it must not wait for
  // a GPU trainer's room.)
  const flags = [...handedBack, unfitFlag(selfId)];
  await db.$transaction((tx) =>
    job.task === TASK.train ? enqueueTrain(tx, job.runId, flags) : enqueueEvaluate(tx, job.runId, flags),
  );
  return "handed back";
}

/**
 * Why this trainer cannot train a run: `short` for its log, `error` for the run's should no live
 * trainer take it; undefined when it can. Its data set first: without the run's, nothing else matters.
 */
export function unfitReason(
  self: TrainerCapacity,
  dataError: string | undefined,
  run: { hp: Hyperparameters; data: DataIdentity },
): { short: string; error: string } | undefined {
  if (dataError !== undefined) return { short: "no data set", error: dataError };
  const otherData = dataProblem(self, run.data);
  if (otherData) return { short: "other data set", error: otherData };
  const problems = fitProblems(self, run.hp);
  if (problems.length === 0) return undefined;
  return {
    short: "too big",
    error: `no live trainer can train this run: ${problems.map((p) => sentence(p, p.path.join("."))).join("; ")}`,
  };
}
