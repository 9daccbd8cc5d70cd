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

/** A seed for a seeded TensorFlow.js op, derived from the run's seed and a purpose. */
export function derivedSeed(seed: number, purpose: string): number {
  return seedrandom.alea(`${seed}:${purpose}`).int32();
}
