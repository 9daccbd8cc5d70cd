// How a sweep ranks its trials, at a successive-halving rung and for the best model. Without seeds a
// trial is one run; with seeds it is its seed group, and a configuration is judged over all its seeds.
//
// A member that diverged ends FAILED, with no accuracy. Averaging over the members that finished would
// let {0.52, FAILED, FAILED} beat {0.51, 0.51, 0.51}: the search would favour configurations at the
// edge of stability, the "lucky seed" selection that seed groups exist to avoid. So a trial ranks first
// by how many of its members have no result (fewer first: every complete trial before any incomplete
// one), then by the mean validation accuracy of those that have one, then by the order it was queued.
//
// Not "a failed member scores chance accuracy (0.10)": that still lets a trial that diverged on one
// seed of five beat a stable one when its other seeds are good enough ((4·0.55 + 0.10) / 5 = 0.46 >
// 0.45), and a configuration that diverges on some seeds is not the one to pick, however good its
// other seeds. The order says so without an invented number.
//
// A member cancelled by the user has no result either and counts as a failed one does: the mean would
// be over fewer seeds than asked for, and nothing tells a member cancelled because its curve was
// heading for NaN from one cancelled for another reason — ignoring cancelled members would let
// cancelling choose the seeds. (cancelSweep ends the whole sweep, and then nothing is ranked.)

/**
 * The order runs (and groups) were queued in, as Prisma sorts by it: oldest first, ties by id. The
 * ranking's last tie-break, so trials are read in it; lists of runs "oldest first" use it too.
 */
export const QUEUED_ORDER: { createdAt?: "asc"; id?: "asc" }[] = [{ createdAt: "asc" }, { id: "asc" }];

/** What the ranking reads of a run. */
export interface Member {
  id: string;
  groupId: string | null;
  finalValAcc: number | null;
}

export interface RankedTrial<T extends Member> {
  /** The members with a result at this budget, in the order given: the mean is theirs. */
  counted: T[];
  /** How many members the trial has in all, with a result or not. */
  members: number;
  /** Mean validation accuracy of the counted members. */
  valAcc: number;
}

/**
 * The trials of `runs` that have a result, best first (see above). `hasResult` says whether a member
 * completed the budget being compared (PAUSED at a rung's budget, or SUCCEEDED at the end); every
 * other member of its trial — FAILED, CANCELLED, or without an accuracy — counts against it. A trial
 * none of whose members has a result is not ranked: there is nothing to promote or pick.
 */
export function rankTrials<T extends Member>(runs: T[], hasResult: (run: T) => boolean): RankedTrial<T>[] {
  const trials = new Map<string, T[]>();
  for (const run of runs) {
    const key = run.groupId ?? run.id;
    trials.set(key, [...(trials.get(key) ?? []), run]);
  }
  const ranked: (RankedTrial<T> & { order: number })[] = [];
  for (const members of trials.values()) {
    const counted = members.filter((m) => hasResult(m) && m.finalValAcc !== null);
    if (counted.length === 0) continue;
    const valAcc = counted.reduce((sum, m) => sum + (m.finalValAcc as number), 0) / counted.length;
    ranked.push({ counted, members: members.length, valAcc, order: ranked.length });
  }
  const missing = (t: RankedTrial<T>) => t.members - t.counted.length;
  return ranked
    .sort((a, b) => missing(a) - missing(b) || b.valAcc - a.valAcc || a.order - b.order)
    .map(({ order: _, ...trial }) => trial);
}

/**
 * The sweep's best run, and whose test accuracy to evaluate: the best trial's best member, and every
 * counted member of that trial, so that a group's test accuracy has a mean ± std too.
 */
export function bestOf<T extends Member>(ranked: RankedTrial<T>[]): { best: T | undefined; evaluate: string[] } {
  const members = [...(ranked[0]?.counted ?? [])].sort((a, b) => (b.finalValAcc ?? 0) - (a.finalValAcc ?? 0));
  return { best: members[0], evaluate: members.map((t) => t.id) };
}
