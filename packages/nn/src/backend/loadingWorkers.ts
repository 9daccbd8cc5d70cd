// Workers still loading a native addon. A process must not exit before they are done: Node ends
// with a FATAL ERROR when a worker is torn down while it loads one (koffi), which `pnpm train` of a
// few iterations did, now and then, as it exited. Apart from secondThread.ts, so that waiting for
// them (runCli, which the API loads too) loads no native binding.

const loading = new Set<Promise<void>>();

/** Counts `loaded` (resolving once the worker has loaded, or stopped) among those to wait for. */
export function loadingWorker(loaded: Promise<void>): void {
  loading.add(loaded);
  void loaded.then(() => loading.delete(loaded));
}

/** Resolves once every worker started has loaded its addon (or stopped). */
export async function workersLoaded(): Promise<void> {
  await Promise.all(loading);
}
