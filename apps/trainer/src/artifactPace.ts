// How often a run takes its per-epoch artifacts: the first-layer weights image and the epoch
// checkpoint that forkRun starts from. Taking them stops training while the parameters are read
// back and the image is drawn. On a CPU an epoch takes seconds and they take milliseconds; on a GPU
// they can take as long as the epoch: the reference's net (H = 5012) trains an epoch in ~0.3 s on an
// H200, and its 5,012-tile image takes the trainer's thread ~0.25 s (130 ms for the tiles alone, on
// the 2-core machine), so a trainer that drew it at every epoch would train at about half the speed
// of `pnpm train`. So they are taken at an epoch only once training has run long enough since the
// last ones for them to stay within a share of the run's time.
//
// What they take is the time training stops for them (trainRun.ts). On a CPU backend that includes
// encoding the image and storing both, which the trainer waits for (their own cost: not the wait
// behind earlier writes, nor retries through a database outage, RunRecorder.epoch): every core trains there, so
// doing that alongside training slowed it as much (counting only the training thread's part, 4–17
// ms at H = 128 on 2 cores, a trainer took them every epoch and trained at 0.91× the CLI's speed).

export class ArtifactPace {
  private nextAt = Number.NEGATIVE_INFINITY;

  /** `maxShare` in (0, 1]: the most of a run's time its artifacts may take; 1 takes them every epoch. */
  constructor(
    private readonly maxShare: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(maxShare > 0 && maxShare <= 1)) throw new RangeError(`maxShare must be in (0, 1]; got ${maxShare}`);
  }

  /** Whether the artifacts are due at an epoch ending now (the first epoch's always are). */
  due(): boolean {
    return this.maxShare === 1 || this.now() >= this.nextAt;
  }

  /** They took `ms`, ending now: the next are due once training has run ms · (1 − share) / share. */
  took(ms: number): void {
    this.nextAt = this.now() + (ms * (1 - this.maxShare)) / this.maxShare;
  }
}
