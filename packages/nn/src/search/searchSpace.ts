// The hyperparameter space of a sweep: a list of values per knob. GRID takes every combination;
// RANDOM a seeded sample of them without repeats.
import seedrandom from "seedrandom";

export interface SearchSpace {
  learningRates: number[];
  hiddenSizes: number[];
  regs: number[];
  learningRateDecays: number[];
}

export interface Trial {
  learningRate: number;
  hiddenSize: number;
  reg: number;
  learningRateDecay: number;
}

export function gridSize(space: SearchSpace): number {
  return space.learningRates.length * space.hiddenSizes.length * space.regs.length * space.learningRateDecays.length;
}

/** Every combination, in a fixed order (learning rate outermost). */
export function gridTrials(space: SearchSpace): Trial[] {
  const trials: Trial[] = [];
  for (const learningRate of space.learningRates)
    for (const hiddenSize of space.hiddenSizes)
      for (const reg of space.regs)
        for (const learningRateDecay of space.learningRateDecays)
          trials.push({ learningRate, hiddenSize, reg, learningRateDecay });
  return trials;
}

/** `count` distinct combinations, chosen by a seeded shuffle (same seed, same trials). */
export function randomTrials(space: SearchSpace, count: number, seed: number): Trial[] {
  const all = gridTrials(space);
  const next = seedrandom.alea(`sweep:${seed}`);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j] as Trial, all[i] as Trial];
  }
  return all.slice(0, Math.min(count, all.length));
}
