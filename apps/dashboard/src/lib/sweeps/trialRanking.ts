// How a sweep's page ranks its trials: by the API's rule for the best model (bestOf in
// @trainql/runs), which only a trial trained to the end can be. Successive halving records a final
// validation accuracy for a trial cut at an early rung too, measured there after fewer iterations: it
// may beat the winner's and still not be the better configuration, so it ranks after every trial
// trained to the end. With seeds, the charts score each configuration (a group) the same way.
import { rankTrials as rankAsTheSweep } from "@trainql/runs/trialRanking";
import type { SweepGroup } from "@/lib/groups/groups";
import type { SweepTrial } from "@/lib/sweeps/sweeps";
import type { RunStatus } from "@/lib/types";

interface Trial {
  status: RunStatus;
  finalValAcc: number | null;
}

/** Trained to the end: what the API picks the best model from. */
export const fullyTrained = (trial: Trial) => trial.status === "SUCCEEDED";

/** Its accuracy measured before the end: cut at a rung (STOPPED), or waiting for one (PAUSED). */
export const cutEarly = (trial: Trial) => trial.finalValAcc !== null && !fullyTrained(trial);

/** Best first: trials trained to the end, then the others, each by final validation accuracy; none last. */
export function trialsBestFirst<T extends Trial>(trials: readonly T[]): T[] {
  const score = (t: T) => t.finalValAcc ?? -1;
  return [...trials].sort((a, b) => Number(fullyTrained(b)) - Number(fullyTrained(a)) || score(b) - score(a));
}

/** The `k` best trials that have an accuracy. */
export const topTrials = <T extends Trial>(trials: readonly T[], k: number): T[] =>
  trialsBestFirst(trials)
    .filter((t) => t.finalValAcc !== null)
    .slice(0, k);

/** The best trial with an accuracy in each set of trials that `keyOf` names (a heatmap's cells). */
export function bestBy<T extends Trial, K>(trials: readonly T[], keyOf: (trial: T) => K): Map<K, T> {
  const best = new Map<K, T>();
  for (const t of topTrials(trials, trials.length)) if (!best.has(keyOf(t))) best.set(keyOf(t), t);
  return best;
}

/**
 * A sweep's seed groups, ranked by the API's own rule (@trainql/runs trialRanking): groups whose every
 * seed finished first, then by mean final validation accuracy, so a configuration that diverged on a
 * seed does not rank above a stable one by its lucky seeds. Groups with no finished seed yet come
 * last, in the order given.
 */
export function rankGroups<G extends { id: string; runs: readonly (Trial & { id: string })[] }>(
  groups: readonly G[],
): G[] {
  const members = groups.flatMap((g) => g.runs.map((run) => ({ ...run, groupId: g.id })));
  const order = rankAsTheSweep(members, fullyTrained).map((trial) => trial.counted[0]?.groupId);
  const rank = (g: G) => (order.includes(g.id) ? order.indexOf(g.id) : order.length);
  return [...groups].sort((a, b) => rank(a) - rank(b));
}

/** A configuration the sweep tried, scored as the API ranks it. */
export interface Configuration {
  hyperparameters: SweepTrial["hyperparameters"];
  status: RunStatus;
  finalValAcc: number | null;
}

/**
 * Without seeds, each trial; with seeds, each trial's group (one per configuration), scored by its
 * mean over the seeds as the API ranks them: the best single seed made a lucky configuration look
 * better than the one the sweep chose. A group trained to the end if a member did (they move together).
 */
export function configurations(trials: SweepTrial[], groups: SweepGroup[]): Configuration[] {
  if (groups.length === 0) return trials;
  const byId = new Map(trials.map((t) => [t.id, t]));
  return groups.flatMap((g) => {
    const members = g.runs.flatMap((r) => byId.get(r.id) ?? []);
    const member = members[0];
    if (!member) return [];
    if (g.runs.some((r) => r.status === "SUCCEEDED"))
      return [{ hyperparameters: member.hyperparameters, status: "SUCCEEDED", finalValAcc: g.stats.finalValAcc.mean }];
    // Cut at a rung or waiting for one: the API's mean is over SUCCEEDED members, so none. The mean of
    // what the members measured at their rung, flagged as such (cutEarly), as a trial without seeds
    // is drawn: these groups were left out, the heatmap empty through the first rung.
    const measured = members.flatMap((t) => (t.finalValAcc === null ? [] : [t.finalValAcc]));
    const mean = measured.length > 0 ? measured.reduce((sum, a) => sum + a, 0) / measured.length : null;
    return [{ hyperparameters: member.hyperparameters, status: member.status, finalValAcc: mean }];
  });
}
