// Everything a trainer writes about a run, each step in one transaction together with its
// notification: subscribers are told only about what is already committed.
//
// Writes go through one serial queue beside the training loop: training never waits for the
// database, and while PostgreSQL is unreachable the writes wait (their data held in memory) and are
// retried in order. `finish` waits for all of them; if the database stays away too long, it fails.
// Every write first renews the run's lease (runLease.ts): a trainer that lost the run writes nothing.
// The writes made while training (losses, epochs, weights images, checkpoints) are raw statements on
// the pg driver (sqlTransaction): it sends bytes as they are, and it skips Prisma's query compiler
// and interactive transaction, under which an epoch's write took ~19 ms instead of ~9 (~100 ms at a
// trainer's first epoch), time that live subscribers wait for the epoch (bench:api). Claiming and
// ending a run go through Prisma's client.

import { type Db, type Prisma, type RunStatus, type SqlTx, sqlTransaction } from "@trainql/db";
import { withRetry } from "@trainql/db/retry";
import { type ConfusionCounts, type EpochMetrics, flatConfusion } from "@trainql/nn";
import { type MistakeExample, type WeightsImage, weightsImage } from "@trainql/nn/engine";
import {
  appendLosses,
  continueBackendSpan,
  type DataIdentity,
  enqueueAdvanceSweep,
  enqueueTrain,
  heartbeatAtCommit,
  keepEpochCheckpoint,
  keepWeightsImage,
  type Notification,
  publish,
  publishRunNotification,
  publishSweepChanged,
  recordReproduction,
  renewLease,
  rewindToCheckpoint,
  runNotifications,
  sampleLosses,
  sweepChanged,
  weightsImagesKept,
} from "@trainql/runs";

type Tx = Prisma.TransactionClient;

/** A batch of losses taken from the buffer (see takeLosses). */
interface LossWrite {
  write(tx: SqlTx): Promise<void>;
  /** What tells subscribers, to publish after `write`. */
  notifications: Notification[];
  writeAndPublish(tx: SqlTx): Promise<void>;
}

/** The parameters after an epoch, to store as the run's resume checkpoint and/or one of its epoch checkpoints. */
interface EpochCheckpointWrite {
  iteration: number;
  data: Uint8Array;
  resume: boolean;
  /** How many epoch checkpoints the run keeps (epochCheckpointPolicy); 0: not one of them. */
  keptEpochs: number;
}

/** The longest one write (a transaction) may take: a checkpoint of the largest net allowed fits. */
const WRITE_TIMEOUT_MS = 120_000;
/** How long a write is retried through an outage before it fails for good. */
const WRITE_RETRY_MS = 120_000;
/** The longest a recorder's writes can stay under way before they are written or have failed. */
export const WRITES_SETTLE_MS = WRITE_RETRY_MS + WRITE_TIMEOUT_MS;

/** How often buffered losses are written while no epoch boundary comes. */
const LOSS_FLUSH_MS = 1000;

/** What a trainer got by claiming a run: its lease, and where training resumes. */
export interface Claim {
  lease: number;
  iteration: number;
}

/** How a run ends on its trainer (PAUSED: a sweep trial at the end of its rung). */
type EndStatus = Extract<RunStatus, "SUCCEEDED" | "FAILED" | "CANCELLED" | "PAUSED">;
interface EndDetails {
  error?: string;
  divergedAtIteration?: number;
  finalValAcc?: number;
  /** finalValAcc's confusion matrix. */
  valConfusion?: ConfusionCounts;
  /** A few of finalValAcc's most confident mistakes per cell of valConfusion. */
  valMistakes?: MistakeExample[];
  checkpoint?: { iteration: number; data: Uint8Array };
}

export class RunRecorder {
  private pending: number[] = [];
  private pendingFrom = 0;
  /** When the oldest loss in `pending` came. */
  private pendingSince = 0;
  private writes: Promise<void> = Promise.resolve();
  /** Writes queued or under way, and since when there have been some without a pause. */
  private unfinished = 0;
  private busySince: number | undefined;
  private failure: unknown;
  /** Set by `start`: every later write checks that the run still carries it. */
  private lease: number | undefined;
  bestValAcc: number | null = null;

  /** `onFailure`: a write failed for good (the database stayed away, or the lease was lost). */
  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly sweepId: string | null = null,
    private readonly log: (line: string) => void = () => {},
    private readonly onFailure: (error: unknown) => void = () => {},
  ) {}

  /** `work` in a transaction under this recorder's lease, retried through outages. */
  private transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const lease = this.lease;
    return this.retried(() =>
      this.db.$transaction(
        async (tx) => {
          if (lease === undefined) return work(tx);
          await renewLease(tx, this.runId, lease);
          const done = await work(tx);
          await heartbeatAtCommit(tx, this.runId);
          return done;
        },
        // Prisma's default 5 s is too short for a large write, and a transaction that times out
        // is retried whole, so it would never get through.
        { timeout: WRITE_TIMEOUT_MS },
      ),
    );
  }

  /** The same for raw statements on the pg driver: the writes made while training. */
  private sqlTransaction(work: (tx: SqlTx) => Promise<void>): Promise<void> {
    const lease = this.lease;
    return this.retried(() =>
      sqlTransaction(
        this.db,
        async (tx) => {
          if (lease !== undefined) await renewLease(tx, this.runId, lease);
          await work(tx);
          if (lease !== undefined) await heartbeatAtCommit(tx, this.runId);
        },
        WRITE_TIMEOUT_MS,
      ),
    );
  }

  private retried<T>(write: () => Promise<T>): Promise<T> {
    return withRetry(write, WRITE_RETRY_MS, (error, attempt) => {
      if (attempt === 1)
        this.log(
          `database unreachable (${(error as Error).message.split("\n")[0]}); retrying run ${this.runId}'s writes`,
        );
    });
  }

  /**
   * Queues a write (one of the transactions above) after all earlier ones, and after `ready` when
   * given; after a permanent failure nothing more is written.
   */
  private enqueue(write: () => Promise<void>, ready?: Promise<unknown>): Promise<void> {
    if (this.unfinished++ === 0) this.busySince = performance.now();
    this.writes = this.writes.then(async () => {
      try {
        if (this.failure) return;
        // What the write needs is prepared before its transaction opens, not while it holds it.
        await ready;
        await write();
      } catch (error) {
        this.failure = error;
        this.onFailure(error);
      } finally {
        if (--this.unfinished === 0) this.busySince = undefined;
      }
    });
    return this.writes;
  }

  /**
   * Since when this run's writes have been under way without a pause (undefined: none are). A run
   * whose training waits for them, the database just back from an outage, is not stuck.
   */
  writingSince(): number | undefined {
    return this.busySince;
  }

  /**
   * The losses buffered so far, taken now and written when their turn comes: `write` stores them,
   * `notifications` tell subscribers (separate, so that an epoch's write announces them with it).
   */
  private takeLosses(): LossWrite | undefined {
    if (this.pending.length === 0) return undefined;
    const from = this.pendingFrom;
    const losses = this.pending;
    const to = from + losses.length;
    this.pending = [];
    this.pendingFrom = to;
    const write = async (tx: SqlTx) => {
      await appendLosses(tx, this.runId, from, losses);
      await tx.$executeRaw`UPDATE "Run" SET iteration = ${to} WHERE id = ${this.runId}::uuid`;
    };
    const notifications = runNotifications(
      { type: "losses", runId: this.runId, from, to, points: sampleLosses(from, losses) },
      true,
    );
    return {
      write,
      notifications,
      async writeAndPublish(tx) {
        await write(tx);
        await publish(tx, ...notifications);
      },
    };
  }

  /**
   * QUEUED → RUNNING, claimed by this trainer under a new lease, with what was stored past the
   * checkpoint dropped (an earlier owner may have died after it). Null when the run is no longer
   * QUEUED (cancelled, deleted, or claimed by another trainer).
   */
  async start(
    trainerId: string,
    backend: { name: string; device: string },
    jobId: bigint,
    data: DataIdentity,
  ): Promise<Claim | null> {
    const claim = await this.transaction(async (tx): Promise<Claim | null> => {
      const { count } = await tx.run.updateMany({
        where: { id: this.runId, status: "QUEUED" },
        data: {
          status: "RUNNING",
          startedAt: new Date(),
          trainerId,
          jobId,
          lease: { increment: 1 },
          backend: backend.name,
          device: backend.device,
        },
      });
      if (count !== 1) return this.claimedBefore(tx, trainerId, jobId);
      // (Its first heartbeat, on the database's clock as every later one: see liveness.ts.)
      await tx.$executeRaw`UPDATE "Run" SET "heartbeatAt" = now() WHERE id = ${this.runId}::uuid`;
      // Its first trainer's data becomes the run's (see dataProblem), and its sweep's and seed group's:
      // trials ranked, or seeds averaged, across two data sets would compare nothing.
      if (data.dataFingerprint !== null) {
        const { dataFingerprint, numTrain, numVal } = data;
        await tx.run.updateMany({
          where: { id: this.runId, dataFingerprint: null },
          data: { dataFingerprint, numTrain, numVal },
        });
        await tx.$executeRaw`UPDATE "Run" s SET "dataFingerprint" = r."dataFingerprint", "numTrain" = r."numTrain", "numVal" = r."numVal"
          FROM "Run" r WHERE r.id = ${this.runId}::uuid AND s.id <> r.id AND s."dataFingerprint" IS NULL
            AND (s."sweepId" = r."sweepId" OR s."groupId" = r."groupId")`;
      }
      const iteration = await rewindToCheckpoint(tx, this.runId);
      await continueBackendSpan(tx, this.runId, iteration, { backend: backend.name, device: backend.device });
      const run = await tx.run.findUniqueOrThrow({
        where: { id: this.runId },
        select: { lease: true, bestValAcc: true },
      });
      this.bestValAcc = run.bestValAcc;
      await publishRunNotification(tx, { type: "status", runId: this.runId, status: "RUNNING" }, true);
      if (this.sweepId) await publishSweepChanged(tx, this.sweepId);
      return { lease: run.lease, iteration };
    });
    if (claim) {
      this.lease = claim.lease;
      this.pendingFrom = claim.iteration;
    }
    return claim;
  }

  /**
   * The claim of a retried start whose first try committed, its reply lost (the connection broke at
   * COMMIT): the run is RUNNING for this trainer's job, and ours. Else null: someone else's.
   */
  private async claimedBefore(tx: Tx, trainerId: string, jobId: bigint): Promise<Claim | null> {
    const run = await tx.run.findFirst({
      where: { id: this.runId, status: "RUNNING", trainerId, jobId },
      select: { lease: true, iteration: true, bestValAcc: true },
    });
    if (!run) return null;
    this.bestValAcc = run.bestValAcc;
    return { lease: run.lease, iteration: run.iteration };
  }

  iteration(loss: number): void {
    // The interval counts from the oldest loss waiting, not from the last write: counted from the
    // last write (or from this recorder's start), the first loss of a slow start went out alone,
    // ahead of the epoch that comes right after it (a run's first iteration is epoch 0's).
    if (this.pending.length === 0) this.pendingSince = performance.now();
    this.pending.push(loss);
    if (performance.now() - this.pendingSince >= LOSS_FLUSH_MS) {
      const losses = this.takeLosses();
      if (losses) this.enqueue(() => this.sqlTransaction(losses.writeAndPublish));
    }
  }

  /**
   * An epoch: its metrics and the losses so far, announced to subscribers; then, in a write of its
   * own, when given, the current first-layer weights (also kept in the run's weights history) and
   * the parameters after this epoch: as the run's resume checkpoint when `resume`, and in its epoch
   * checkpoints (for forkRun) when `keptEpochs` > 0. Split so that what subscribers wait for
   * commits first, in a small write: before, the epoch's event waited for its image (encoded on
   * the training thread, 36 ms at H = 128) and for megabytes of checkpoints in the same transaction.
   * (A crash between the two leaves the epoch without its image and checkpoints; the next owner
   * resumes from the previous checkpoint, drops what was stored past it, and records this epoch
   * again, with them.)
   *
   * Resolves once they are written (or could not be: see onFailure), with the milliseconds the
   * artifacts took of themselves (0 with none); it never rejects.
   */
  epoch(
    m: EpochMetrics,
    {
      weights,
      checkpoint,
    }: {
      /** The first layer's weights, drawn into the run's weights image (none: the image stays as it is). */
      weights?: { W1: Float32Array; hiddenSize: number };
      checkpoint?: EpochCheckpointWrite;
    } = {},
  ): Promise<number> {
    this.bestValAcc = Math.max(this.bestValAcc ?? 0, m.valAcc);
    const bestValAcc = this.bestValAcc;
    const losses = this.takeLosses();
    const recordedAt = new Date();
    this.enqueue(() =>
      this.sqlTransaction(async (tx) => {
        await losses?.write(tx);
        await tx.$executeRaw`
          INSERT INTO "EpochMetric" ("runId", epoch, iteration, loss, "trainAcc", "valAcc", "learningRate", "elapsedMs", "recordedAt")
          VALUES (${this.runId}::uuid, ${m.epoch}, ${m.iteration}, ${m.loss}, ${m.trainAcc}, ${m.valAcc}, ${m.learningRate}, ${m.elapsedMs}, ${recordedAt})
          ON CONFLICT ("runId", epoch) DO NOTHING`;
        await tx.$executeRaw`UPDATE "Run" SET "bestValAcc" = ${bestValAcc} WHERE id = ${this.runId}::uuid`;
        // The losses are announced just ahead of their epoch: the API holds loss batches and hands
        // them out together with the next epoch, in one write to each subscriber, so a subscriber
        // sees the loss curve reach the epoch when the epoch arrives.
        await publish(
          tx,
          ...(losses?.notifications ?? []),
          // Listed too: bestValAcc changed (PostgreSQL folds it with the losses' identical notice).
          ...runNotifications(
            { type: "epoch", runId: this.runId, epoch: { ...m, recordedAt: recordedAt.toISOString() } },
            true,
          ),
          ...(this.sweepId ? [sweepChanged(this.sweepId)] : []),
        );
      }),
    );
    if (!weights && !checkpoint) return Promise.resolve(0);
    // What the artifacts cost of themselves: drawing the image, and the attempt that stored them,
    // not the wait behind earlier writes nor the retries through a database outage (counted, an
    // outage of a minute put off the next artifacts for an hour at the default share).
    let imageMs = 0;
    const drawing = performance.now();
    const image = weights && weightsImage(weights.W1, weights.hiddenSize);
    void image?.then(
      () => {
        imageMs = performance.now() - drawing;
      },
      () => {}, // (its failure is the write's, which awaits it)
    );
    let writeMs = 0;
    const written = this.enqueue(
      () =>
        this.sqlTransaction(async (tx) => {
          const writing = performance.now();
          await this.artifactsWrite(tx, m.epoch, checkpoint, image);
          writeMs = performance.now() - writing;
        }),
      image,
    );
    return written.then(() => imageMs + writeMs);
  }

  /** An epoch's checkpoints and weights image (in a sqlTransaction). */
  private async artifactsWrite(
    tx: SqlTx,
    epoch: number,
    checkpoint: EpochCheckpointWrite | undefined,
    image: Promise<WeightsImage> | undefined,
  ): Promise<void> {
    if (checkpoint?.resume) await this.checkpointWrite(tx, checkpoint);
    if (checkpoint && checkpoint.keptEpochs > 0)
      await keepEpochCheckpoint(tx, this.runId, { epoch, ...checkpoint }, checkpoint.keptEpochs);
    if (!image) return;
    const { png, width, height } = await image; // (encoded by now: enqueue waited for it)
    const kept = weightsImagesKept(width * height);
    await keepWeightsImage(tx, this.runId, { epoch, png }, kept);
    // Stored once: in the history, which always keeps the latest, or on the run when it keeps none.
    const onRun = kept === 0 ? png : null;
    await tx.$executeRaw`UPDATE "Run" SET "weightsPng" = ${onRun}, "weightsEpoch" = ${epoch} WHERE id = ${this.runId}::uuid`;
    await publishRunNotification(tx, { type: "weights", runId: this.runId, epoch });
  }

  /** Waits for every queued write; throws if one could not be written. */
  private async drain(): Promise<void> {
    await this.writes;
    if (this.failure) throw this.failure;
  }

  /** The run's resume checkpoint (in a sqlTransaction). */
  private async checkpointWrite(tx: SqlTx, checkpoint: { iteration: number; data: Uint8Array }) {
    const data = Buffer.from(checkpoint.data.buffer, checkpoint.data.byteOffset, checkpoint.data.byteLength);
    await tx.$executeRaw`INSERT INTO "Checkpoint" ("runId", "iteration", "data") VALUES (${this.runId}::uuid, ${checkpoint.iteration}, ${data})
      ON CONFLICT ("runId") DO UPDATE SET "iteration" = EXCLUDED."iteration", "data" = EXCLUDED."data", "createdAt" = now()`;
  }

  /**
   * The end of the run, whatever it was; the checkpoint with it when training finished. A trial
   * that would wait for promotion (PAUSED) ends CANCELLED if a cancel was asked meanwhile: training
   * looks for one between iterations only, and after the last one come the validation pass and
   * these writes, seconds on a large net; waiting as PAUSED it would be promoted, or wait forever
   * in a sweep already cancelled.
   */
  async finish(asked: EndStatus, details: EndDetails): Promise<void> {
    await this.end(details.checkpoint, async (tx) => {
      const status = asked === "PAUSED" && (await this.cancelAsked(tx)) ? "CANCELLED" : asked;
      await this.writeEnd(tx, status, details);
    });
  }

  /**
   * Hands the run back to the queue (the trainer is shutting down): everything written, a checkpoint
   * at `checkpoint.iteration`, status QUEUED and a new job, so any trainer resumes it from there. A
   * cancel asked while the trainer stopped (the shutdown had aborted the run already, so the cancel's
   * abort changed nothing) ends it CANCELLED instead: re-queued, it would train again until its next
   * owner's first heartbeat, or wait for a trainer forever.
   */
  async release(checkpoint: { iteration: number; data: Uint8Array }): Promise<void> {
    await this.end(checkpoint, async (tx) => {
      if (await this.cancelAsked(tx)) return this.writeEnd(tx, "CANCELLED", {});
      await tx.run.update({
        where: { id: this.runId },
        data: { status: "QUEUED", trainerId: null, heartbeatAt: null, jobId: null },
      });
      await enqueueTrain(tx, this.runId);
      await publishRunNotification(tx, { type: "status", runId: this.runId, status: "QUEUED" }, true);
      if (this.sweepId) await publishSweepChanged(tx, this.sweepId);
    });
  }

  /** (The lease write before this locked the row: the flag is final.) */
  private async cancelAsked(tx: Tx): Promise<boolean> {
    const run = await tx.run.findUniqueOrThrow({ where: { id: this.runId }, select: { cancelRequested: true } });
    return run.cancelRequested;
  }

  private async writeEnd(tx: Tx, status: EndStatus, details: EndDetails): Promise<void> {
    const { reproducedFromId } = await tx.run.update({
      where: { id: this.runId },
      data: {
        status,
        finishedAt: new Date(),
        error: details.error ?? null,
        divergedAtIteration: details.divergedAtIteration ?? null,
        finalValAcc: details.finalValAcc ?? null,
        valConfusion: details.valConfusion ? flatConfusion(details.valConfusion) : [],
        heartbeatAt: null,
        cancelRequested: false,
      },
      select: { reproducedFromId: true },
    });
    // (Those of an earlier end, a sweep trial's pause at a rung, went with its valConfusion.)
    await tx.valMistake.deleteMany({ where: { runId: this.runId } });
    if (details.valMistakes?.length)
      await tx.valMistake.createMany({
        data: details.valMistakes.map(({ png, ...mistake }) => ({
          runId: this.runId,
          ...mistake,
          png: Buffer.from(png),
        })),
      });
    // A reproduction's verdict is committed with its SUCCEEDED: every loss is written by now.
    if (status === "SUCCEEDED" && reproducedFromId) await recordReproduction(tx, this.runId, reproducedFromId);
    await publishRunNotification(tx, { type: "status", runId: this.runId, status }, true);
    if (this.sweepId) {
      await publishSweepChanged(tx, this.sweepId);
      await enqueueAdvanceSweep(tx, this.sweepId);
    }
  }

  /**
   * The last writes: the losses still buffered, the checkpoint when there is one, then `last` (the
   * run's new status); waits for them all. Three commits in that order, each safe to stop after: a
   * checkpoint never lands ahead of the losses before it, and a run whose status was not written
   * is resumed from that checkpoint by its next owner.
   */
  private async end(
    checkpoint: { iteration: number; data: Uint8Array } | undefined,
    last: (tx: Tx) => Promise<void>,
  ): Promise<void> {
    const losses = this.takeLosses();
    if (losses) this.enqueue(() => this.sqlTransaction(losses.writeAndPublish));
    if (checkpoint) this.enqueue(() => this.sqlTransaction((tx) => this.checkpointWrite(tx, checkpoint)));
    this.enqueue(() => this.transaction(last));
    await this.drain();
  }
}
