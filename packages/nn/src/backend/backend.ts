// Chooses the TensorFlow.js backend once per process. The model never knows which one it runs on:
// every backend executes the same ops, and every result names the backend that produced it.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { BACKEND_NAMES, type BackendName } from "./backendNames.ts";
import { installBlasKernels, wasmHeap } from "./blasKernels.ts";
import { adviseHugePagesForWasmMemory } from "./hugePages.ts";
import { type Blas, type BlasOptions, BlasUnavailableError, loadBlas } from "./openBlas.ts";
import { loadWebgpu, releaseWebgpu, type WebgpuLimits, WebgpuUnavailableError, webgpuLostReason } from "./webgpu.ts";

export { BACKEND_NAMES, type BackendName };

export interface BackendInfo {
  /** Our name for it (`node-gpu`, `webgpu`, `node`, `wasm`, `cpu`). */
  name: BackendName;
  /** The device the kernels run on, in words. */
  device: string;
  /** The TensorFlow.js version (and libtensorflow's, for the node backends). */
  version: string;
  /** Why each faster backend before this one could not be used (empty when none was skipped). */
  skipped: { name: BackendName; reason: string }[];
  /** What makes this backend slower than it could be here, and how to fix it (empty when nothing). */
  warnings: string[];
  /** For a GPU backend: the buffer limits the device was created with. */
  limits?: WebgpuLimits;
}

export class BackendUnavailableError extends Error {
  override name = "BackendUnavailableError";
}

const require = createRequire(import.meta.url);

const NODE_HELP =
  "Its install script downloads libtensorflow from outside the npm registry, which this install skipped. " +
  "To enable it on a machine with internet: set `allowBuilds` for the package to true in pnpm-workspace.yaml, " +
  "then run `pnpm install` (or `pnpm rebuild <package>`).";

function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? "unknown CPU";
}

/**
 * Where the package's native binding should be, or why it is not there. Checked before importing:
 * a failed import of tfjs-node has already registered half its kernels, which pollutes the process.
 */
function missingBinding(pkg: string): string | undefined {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return `${pkg} is not installed`;
  }
  const lib = path.join(dir, "lib");
  const found = existsSync(lib) && readdirSync(lib).some((d) => existsSync(path.join(lib, d, "tfjs_binding.node")));
  return found ? undefined : `no tfjs_binding.node under ${lib}`;
}

async function loadNode(gpu: boolean): Promise<Omit<BackendInfo, "skipped">> {
  const pkg = gpu ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
  // TensorFlow multiplies float32 matrices in TF32 (a 10-bit mantissa) on Ampere and newer GPUs by
  // default; the model is float32 on every other backend, and the bench's PyTorch peer runs with TF32
  // off. NVIDIA's libraries read this when they load. (Unmeasured here: libtensorflow cannot install.)
  if (gpu) process.env.NVIDIA_TF32_OVERRIDE ??= "0";
  let mod: { version?: Record<string, string> };
  try {
    const missing = missingBinding(pkg);
    if (missing) throw new Error(missing);
    mod = (await import(pkg)) as typeof mod;
  } catch (error) {
    const cause = error instanceof Error ? error.message.split("\n")[0] : String(error);
    const gpuNeeds = gpu
      ? " It also needs an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 (the versions tfjs-node-gpu 4.22 is built for)."
      : "";
    throw new BackendUnavailableError(
      `${pkg} cannot load: its native libtensorflow binding is missing (${cause}). ${NODE_HELP.replace("<package>", pkg)}${gpuNeeds}`,
    );
  }
  if (!(await tf.setBackend("tensorflow"))) {
    throw new BackendUnavailableError(`${pkg} loaded but its "tensorflow" backend failed to initialize.`);
  }
  const tfVersion = mod.version?.["tfjs-node"] ?? tf.version_core;
  return {
    name: gpu ? "node-gpu" : "node",
    device: gpu ? "GPU (libtensorflow CUDA)" : `CPU (libtensorflow, ${cpuModel()})`,
    version: `tfjs-node ${tfVersion}`,
    warnings: [],
  };
}

/**
 * Runs `load` and removes the process-wide 'uncaughtException'/'unhandledRejection' listeners it
 * added: the WebAssembly backend's Emscripten glue installs listeners that rethrow, which would turn
 * any stray rejection in the host program (a dropped database connection, say) into a crash.
 */
async function withoutGlobalErrorHooks<T>(load: () => Promise<T>): Promise<T> {
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const listeners = (e: (typeof events)[number]) => process.listeners(e as "uncaughtException") as unknown[];
  const before = events.map((e) => new Set(listeners(e)));
  try {
    return await load();
  } finally {
    events.forEach((e, i) => {
      for (const l of listeners(e))
        if (!before[i]!.has(l)) process.removeListener(e as "uncaughtException", l as () => void);
    });
  }
}

async function loadWasm(options: BackendOptions): Promise<Omit<BackendInfo, "skipped">> {
  return withoutGlobalErrorHooks(() => loadWasmBackend(options));
}

/** Matrix products on the native BLAS when one loads (see blasKernels.ts), else why not. */
function installWasmBlasKernels(options: BlasOptions = {}): { blas?: Blas; warning?: string } {
  try {
    const blas = loadBlas(options);
    installBlasKernels(blas);
    return { blas };
  } catch (error) {
    if (!(error instanceof BlasUnavailableError)) throw error;
    installBlasKernels(undefined);
    return { warning: `matrix products run in WebAssembly on one thread, 4-8× slower, because ${error.message}` };
  }
}

async function loadWasmBackend(options: BackendOptions): Promise<Omit<BackendInfo, "skipped">> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  // In Node the .wasm binaries are read from the package's dist folder, not fetched.
  const dist = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist/");
  wasm.setWasmPaths(dist);
  if (!(await tf.setBackend("wasm"))) throw new BackendUnavailableError("the WebAssembly backend failed to initialize");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  adviseHugePagesForWasmMemory(wasmHeap(tf.backend() as BackendWasm).HEAPF32);
  const { blas, warning } = installWasmBlasKernels(options.blas);
  const products = blas ? `, matrix products on ${blas.description}` : "";
  return {
    name: "wasm",
    device: `CPU (WebAssembly${simd ? " SIMD" : ""}, 1 thread${products}, ${cpuModel()})`,
    version: `tfjs-backend-wasm ${wasm.version_wasm}`,
    warnings: warning ? [warning] : [],
  };
}

async function loadCpu(): Promise<Omit<BackendInfo, "skipped">> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu")))
    throw new BackendUnavailableError("the JavaScript CPU backend failed to initialize");
  return {
    name: "cpu",
    device: `CPU (plain JavaScript, ${cpuModel()})`,
    version: `tfjs-backend-cpu ${tf.version_core}`,
    warnings: [],
  };
}

/** Automatic selection (`explicit` false) takes a hardware adapter only. */
async function loadWebgpuBackend(explicit: boolean): Promise<Omit<BackendInfo, "skipped">> {
  try {
    const info = await loadWebgpu({ allowSoftware: explicit });
    return { name: "webgpu", device: info.device, version: info.version, warnings: info.warnings, limits: info.limits };
  } catch (error) {
    if (error instanceof WebgpuUnavailableError) throw new BackendUnavailableError(error.message);
    throw error;
  }
}

const LOADERS: Record<
  BackendName,
  (explicit: boolean, options: BackendOptions) => Promise<Omit<BackendInfo, "skipped">>
> = {
  "node-gpu": () => loadNode(true),
  webgpu: loadWebgpuBackend,
  node: () => loadNode(false),
  wasm: (_explicit, options) => loadWasm(options),
  cpu: loadCpu,
};

export function parseBackendName(value: string): BackendName | "auto" {
  if (value === "auto" || (BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName | "auto";
  throw new BackendUnavailableError(`Unknown backend "${value}": use one of auto, ${BACKEND_NAMES.join(", ")}.`);
}

/** What the caller (a CLI, the trainer) read from its settings; the package reads no environment. */
export interface BackendOptions {
  /** The native BLAS under the WebAssembly backend. */
  blas?: BlasOptions;
}

let current: Promise<BackendInfo> | undefined;
let currentRequest: string | undefined;

/**
 * Picks the backend: an explicit choice, else the first that loads of
 * node-gpu, webgpu (a hardware adapter only), node, wasm, cpu. An explicit choice that cannot load is
 * an error, never a silent fallback. Idempotent per process (the backend is global state in
 * TensorFlow.js), except after the WebGPU device was lost: then it chooses again, from a new device.
 * (Data sets uploaded to the lost one go first: releaseResidentRows.)
 */
export function initBackend(
  requested: BackendName | "auto" = "auto",
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const choice = requested;
  const lost = webgpuLostReason() !== undefined;
  if (current && currentRequest === choice && !lost) return current;
  currentRequest = choice;
  current = (async () => {
    // A switch away gives the GPU's memory back (the device holds the data sets), and a lost device
    // goes before a new one is asked for.
    if (choice !== "webgpu" || lost) await releaseWebgpu();
    if (choice !== "auto") return { ...(await LOADERS[choice](true, options)), skipped: [] };
    const skipped: BackendInfo["skipped"] = [];
    for (const name of BACKEND_NAMES) {
      try {
        return { ...(await LOADERS[name](false, options)), skipped };
      } catch (error) {
        skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    throw new BackendUnavailableError(
      `No TensorFlow.js backend could load:\n${skipped.map((s) => `- ${s.name}: ${s.reason}`).join("\n")}`,
    );
  })();
  current.catch(() => {
    current = undefined;
  });
  return current;
}
