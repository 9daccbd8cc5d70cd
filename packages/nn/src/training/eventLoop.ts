// A turn for timers and I/O while the engine computes. A CPU backend computes on this thread, and
// resolves `data()` without ever leaving the microtask queue: without a turn, a trainer's heartbeats,
// cancel requests and progress writes wait for the whole computation.
//
// Two immediates, not one: an immediate set while the loop is handling a timer or I/O (a trainer goes
// on from a database reply) runs later in that same pass, before the loop comes back round to timers
// and I/O. The work after it then joined the work before it in one stretch: the set-up of a large run
// (its parameters drawn, ~1 s at H = 4,200) and its first slice of steps held a heartbeat for 2 s. The
// second immediate, set from within the first, runs only after the next pass's timers and I/O.
const immediate = () => new Promise<void>((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));

export async function yieldToEventLoop(): Promise<void> {
  await immediate();
  await immediate();
}
