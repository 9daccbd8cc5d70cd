// The two-layer net's shape and parameters as names and sizes only, without TensorFlow.js: the API
// reads checkpoints (to serve them as .npz) and must not load the engine.
import type * as tf from "@tensorflow/tfjs-core";

export interface NetShape {
  inputSize: number; // D: 3,072 for CIFAR-10
  hiddenSize: number; // H
  numClasses: number; // C: 10
}

export interface Params<T = tf.Tensor> {
  W1: T; // D × H
  b1: T; // H
  W2: T; // H × C
  b2: T; // C
}

export const PARAM_NAMES = ["W1", "b1", "W2", "b2"] as const;

/** Each parameter's shape, row-major, as the reference assignment's `params` dict holds it. */
export function paramShapes({
  inputSize: D,
  hiddenSize: H,
  numClasses: C,
}: NetShape): Record<(typeof PARAM_NAMES)[number], number[]> {
  return { W1: [D, H], b1: [H], W2: [H, C], b2: [C] };
}
