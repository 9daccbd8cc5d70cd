// Seeded randomness. Never Math.random: the same seed on the same backend must give a bit-identical
// run. seedrandom's Alea is the generator TensorFlow.js itself uses for seeded ops.
import seedrandom from "seedrandom";

/** Uniform integers in [0, n): a fresh generator per (seed, stream, step). */
export function randomInts(seed: number, stream: string, step: number, count: number, n: number): Int32Array {
  const next = seedrandom.alea(`${seed}:${stream}:${step}`);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(next() * n);
  return out;
}

/** A seed for a seeded TensorFlow.js op, derived from the run's seed and a purpose; never 0. */
export function derivedSeed(seed: number, purpose: string): number {
  // TensorFlow.js takes a seed of 0 as none (`seed ? seed : Math.random()`): one (seed, purpose) in
  // 2³² would have drawn its weights at random, not reproducibly.
  return seedrandom.alea(`${seed}:${purpose}`).int32() || 1;
}
