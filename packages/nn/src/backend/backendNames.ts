/** The backends, in the order of automatic selection, fastest first. */
export const BACKEND_NAMES = ["node-gpu", "webgpu", "node", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * Whether a backend trains on a GPU, leaving the host's cores free for everything else a trainer
 * does meanwhile; on the others, every core trains.
 */
export function trainsOnGpu(name: BackendName): boolean {
  return name === "node-gpu" || name === "webgpu";
}

/**
 * Whether a minibatch larger than rowsPerSlice rows steps in slices (TwoLayerNet.slicedSgdStep):
 * on every backend but WebGPU, which only queues a step's work (its event loop stays free, and its
 * loss is read a step behind). Where it does, a step's activations are a slice's.
 */
export function stepsInSlices(name: BackendName): boolean {
  return name !== "webgpu";
}
