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
 * Whether a backend computes a step on the host's thread, and so steps in slices of rowsPerSlice rows
 * for its timers to run between (see stepSliceRows): every backend but WebGPU, which only queues a
 * step's work (its event loop stays free, and its loss is read a step behind).
 */
export function stepsOnHostThread(name: BackendName): boolean {
  return name !== "webgpu";
}
