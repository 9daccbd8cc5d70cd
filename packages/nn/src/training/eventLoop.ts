// A turn for timers and I/O while the engine computes. A CPU backend computes on this thread, and
// resolves `data()` without ever leaving the microtask queue: without a turn, a trainer's heartbeats,
// cancel requests and progress writes wait for the whole computation.
export const yieldToEventLoop = () => new Promise<void>((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));
