/** The backends, in the order of automatic selection, fastest first. */
export const BACKEND_NAMES = ["node-gpu", "webgpu", "node", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
