// Synchronous successive halving (Jamieson & Talwalkar 2016; the rung schedule of Hyperband's
// brackets). Every configuration trains for a small budget; the best 1/eta by validation accuracy
// continue — from their checkpoint — to eta× the budget, until the full numIters. Synchronous
// rather than asynchronous (ASHA): each rung waits for all its trials, so a promotion compares every
// trial at the same budget, and the result does not depend on which trainer happened to be faster.

export interface Rung {
  /** 0-based rung index. */
  rung: number;
  /** Iterations a trial has trained when it finishes this rung (cumulative). */
  budget: number;
  /** Trials that train in this rung. */
  trials: number;
}

/**
 * The rungs for `n` configurations and a full budget of `numIters`: as many halvings as leave at
 * least one trial in the last rung and at least `minBudget` iterations in the first.
 */
export function halvingSchedule(n: number, numIters: number, eta: number, minBudget = 1): Rung[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`need at least one configuration; got ${n}`);
  if (!(eta >= 2)) throw new RangeError(`eta must be at least 2; got ${eta}`);
  let halvings = Math.floor(Math.log(n) / Math.log(eta) + 1e-9);
  while (halvings > 0 && numIters / eta ** halvings < minBudget) halvings--;
  const rungs: Rung[] = [];
  let trials = n;
  for (let i = 0; i <= halvings; i++) {
    rungs.push({ rung: i, budget: Math.max(1, Math.round(numIters / eta ** (halvings - i))), trials });
    trials = Math.max(1, Math.floor(trials / eta));
  }
  return rungs;
}

/** Iterations the whole schedule trains, resuming promoted trials from their checkpoints. */
export function halvingIterations(rungs: Rung[]): number {
  let total = 0;
  let previous = 0;
  for (const r of rungs) {
    total += r.trials * (r.budget - previous);
    previous = r.budget;
  }
  return total;
}
