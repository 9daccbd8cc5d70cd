// TensorFlow.js' WebGPU backend in Node, on Dawn (npm `webgpu`, a prebuilt dawn.node): the route to
// any modern GPU (Vulkan, Metal, D3D12) that installs from npm alone. Dawn also runs on software
// adapters (SwiftShader, lavapipe), which make the backend testable without a GPU but are ~1000×
// slower than one: they are used only when asked for by name, never picked automatically.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import webgpuPackage from "webgpu/package.json" with { type: "json" };

/** The adapter limits that decide whether the data sets fit on the device. */
export interface WebgpuLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** The most one buffer may hold and still be bound to a shader, which every tensor of the backend is. */
export const bindableBytes = (limits: WebgpuLimits): number =>
  Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);

export interface WebgpuInfo {
  device: string;
  version: string;
  /** True for a CPU implementation of WebGPU (SwiftShader, lavapipe, WARP). */
  software: boolean;
  limits: WebgpuLimits;
  warnings: string[];
}

export class WebgpuUnavailableError extends Error {
  override name = "WebgpuUnavailableError";
}

/** The GPU went away mid-run (driver reset, device removed): the run fails with this reason. */
export class DeviceLostError extends Error {
  override name = "DeviceLostError";
}

/** The training set of CIFAR-10 as the engine holds it: 40,000 rows × 3,072 float32. */
const FULL_TRAIN_BYTES = 40_000 * 3072 * 4;

/** Adapters that implement WebGPU on the CPU, by the names their drivers give. */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

// One GPU instance per process (see installNavigatorGpu), and one device at a time, like the
// TensorFlow.js backend they serve.
let gpu: GPU | undefined;
/**
 * Instances whose device was lost (a driver reset, a GPU gone): never asked for a device again, as
 * what they found at their start may be gone, and never freed either (see installNavigatorGpu).
 */
const retired: GPU[] = [];
/** The device the backend runs on, destroyed on release (see releaseWebgpu). */
let device: GPUDevice | undefined;
let limits: WebgpuLimits | undefined;
let lostReason: string | undefined;
/**
 * The operations the GPU refused (a buffer over its limits, say), which WebGPU reports to no caller:
 * the op's result reads as zeros. How many there were, and the last few (the first of a run's says
 * why; those after it are mostly its consequences, "invalid due to a previous error").
 */
const refusals = { count: 0, recent: [] as string[] };
const REFUSALS_KEPT = 100;
/** Devices destroyed here, on purpose (releaseWebgpu, a reload): losing those is no failure. */
const destroyedHere = new WeakSet<GPUDevice>();

function destroy(released: GPUDevice): void {
  destroyedHere.add(released);
  released.destroy();
}

/**
 * On Linux Dawn reaches the GPU through the Vulkan loader. Without it, say so (Dawn would print a
 * warning to stderr on every start of a CPU-only machine, and find no adapter). Looked up where
 * dlopen looks: LD_LIBRARY_PATH, the linker cache, the usual directories.
 */
function missingVulkanLoader(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const LOADER = "libvulkan.so.1";
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean),
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/lib/x86_64-linux-gnu",
    "/lib64",
  ];
  if (dirs.some((d) => existsSync(path.join(d, LOADER)))) return undefined;
  try {
    if (readFileSync("/etc/ld.so.cache").includes(LOADER)) return undefined;
  } catch {
    // No linker cache: only the directories count.
  }
  return `no Vulkan loader (${LOADER}; Debian/Ubuntu: \`apt install libvulkan1\` plus the GPU's Vulkan driver)`;
}

/**
 * Creates the Dawn instance, once per process, and makes it `navigator.gpu`. TensorFlow.js' WebGPU
 * package registers its backend at import time only if `navigator.gpu` exists then; on Node ≥ 21
 * `navigator` is a getter-only global, so the property is defined on it rather than the object
 * replaced.
 *
 * The instance is kept for the life of the process, never let go of: dawn.node (npm `webgpu` 0.6)
 * crashes the process when the garbage collector frees an instance that still has work pending (a
 * buffer being mapped for a read, say; see also dawn-gpu/node-webgpu#18). Letting go of it at each
 * switch to another backend aborted a script that switched with a read in flight in 3 runs of 3
 * (test/backendSwitches.child.ts), and CI's WebGPU test worker now and then. A held instance does
 * not keep Node from exiting (measured on 0.6.2, with a live device).
 */
async function installNavigatorGpu(): Promise<GPU> {
  if (gpu) return gpu;
  const { create, globals } = await import("webgpu");
  // GPUBufferUsage, GPUMapMode, … which the tfjs backend reads as globals.
  Object.assign(globalThis, globals);
  const instance = create([]);
  const holder = globalThis as { navigator?: object };
  if (holder.navigator) Object.defineProperty(holder.navigator, "gpu", { value: instance, configurable: true });
  else holder.navigator = { gpu: instance };
  gpu = instance;
  return instance;
}

/**
 * Lets go of the GPU: the backend is removed and its device destroyed, which frees the device's
 * memory at once (the data sets, the buffers kept for reuse) for another process or a new device.
 * Waits until Dawn has reported the device lost, so that no callback of it is pending when the next
 * device is made. (The instance stays, unless its device was lost: see `retired`.)
 */
export async function releaseWebgpu(): Promise<void> {
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  const released = device;
  device = undefined;
  limits = undefined;
  if (lostReason !== undefined && gpu) {
    retired.push(gpu);
    gpu = undefined;
  }
  lostReason = undefined;
  if (released) {
    destroy(released);
    await released.lost;
  }
}

// Vendor, architecture, the device's name and the driver's description: Dawn leaves some empty
// (NVIDIA's Vulkan driver gives no architecture).
const describeAdapter = (info: GPUAdapterInfo) =>
  [...new Set([info.vendor, info.architecture, info.device, info.description].filter(Boolean))].join(" / ") ||
  "unknown adapter";

/** What of TensorFlow.js' WebGPU backend `releaseFreeBuffers` reaches into (not in its typings). */
interface BufferPool {
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  bufferManager: { freeBuffers: Map<string, GPUBuffer[]>; numFreeBuffers: number; numBytesAllocated: number };
}

/**
 * Destroys the GPU buffers the backend keeps for reuse, and returns how many bytes that gave back.
 * TensorFlow.js keeps the buffer of every disposed tensor, for a tensor of that exact size, and never
 * lets one go: a trainer would hold, for every shape it ever trained (a sweep's hidden sizes and batch
 * sizes), that run's whole working set (at H = 8192, each W1-sized buffer is 100 MB) until the GPU
 * ran out. For use between runs: within one, the buffers are reused from the second step on.
 */
export function releaseFreeBuffers(): number {
  const backend = tf.findBackend("webgpu") as unknown as BufferPool | null;
  // (Private parts of tfjs-backend-webgpu 4.22: another version may differ, and then nothing is done.)
  if (!(backend?.bufferManager?.freeBuffers instanceof Map) || typeof backend.submitQueue !== "function") return 0;
  // Buffers of tensors disposed since the last submission join the pool when it is submitted (as
  // the backend submits before a read: an open pass ended, an encoder even when there is none).
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  const manager = backend.bufferManager;
  let bytes = 0;
  for (const buffers of manager.freeBuffers.values()) {
    // (A buffer still used by submitted work is destroyed once that work is done: WebGPU's rule.)
    for (const buffer of buffers) {
      bytes += buffer.size;
      buffer.destroy();
    }
    // Emptied, not deleted: the manager ignores every release once its map is empty (its sign of a
    // disposed backend).
    buffers.length = 0;
  }
  manager.numFreeBuffers = 0;
  manager.numBytesAllocated -= bytes;
  return bytes;
}

/**
 * Loads the backend. `allowSoftware` is false in automatic selection: a software adapter is then
 * refused, with its name, so the engine goes on to the CPU backends that are far faster than it.
 */
export async function loadWebgpu({ allowSoftware }: { allowSoftware: boolean }): Promise<WebgpuInfo> {
  const noLoader = missingVulkanLoader();
  if (noLoader) throw new WebgpuUnavailableError(`no WebGPU adapter: ${noLoader}`);
  const instance = await installNavigatorGpu();
  const adapter = await instance.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    await releaseWebgpu();
    throw new WebgpuUnavailableError(
      "no WebGPU adapter: Dawn found no usable Vulkan/Metal/D3D12 device (is the GPU's driver installed? `vulkaninfo --summary` lists what Vulkan sees; NVIDIA's Vulkan driver also needs libglvnd's libraries: `apt install libglx0 libegl1 libgl1`)",
    );
  }
  const info = adapter.info;
  const name = describeAdapter(info);
  const software =
    info.isFallbackAdapter || SOFTWARE_ADAPTER.test(`${info.architecture} ${info.description} ${info.device}`);
  if (software && !allowSoftware) {
    await releaseWebgpu();
    throw new WebgpuUnavailableError(
      `only a software adapter (${name}), which is slower than the CPU backends; ask for it with --backend webgpu / TRAIN_BACKEND=webgpu`,
    );
  }
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  const l = adapter.limits;
  // The stock factory asks for the same limits (the defaults are 256/128 MB, too small for the data
  // sets), but passes a feature list inside a list, which some WebGPU implementations reject.
  const created = await adapter.requestDevice({
    requiredFeatures: adapter.features.has("timestamp-query") ? ["timestamp-query"] : [],
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  lostReason = undefined;
  created.addEventListener("uncapturederror", (event) => {
    const { message } = (event as GPUUncapturedErrorEvent).error;
    refusals.count++;
    refusals.recent.push(`${name} refused an operation: ${message.split("\n")[0]}`);
    if (refusals.recent.length > REFUSALS_KEPT) refusals.recent.shift();
  });
  void created.lost.then((lost) => {
    if (destroyedHere.has(created)) return;
    lostReason = `the WebGPU device was lost (${name}): ${lost.message || lost.reason}`;
  });
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  // A device of an earlier load lost its backend just now (see releaseWebgpu for why it is destroyed).
  if (device) destroy(device);
  device = created;
  tf.registerBackend("webgpu", () => new WebGPUBackend(created, info), 3);
  if (!(await tf.setBackend("webgpu"))) {
    await releaseWebgpu();
    throw new WebgpuUnavailableError(`the WebGPU backend failed to initialize on ${name}`);
  }
  limits = { maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize };
  const warnings: string[] = [];
  if (software) warnings.push(`${name} is a software adapter (WebGPU on the CPU), for tests: ~1000× slower than a GPU`);
  const fits = bindableBytes(limits);
  if (fits < FULL_TRAIN_BYTES)
    warnings.push(
      `the adapter binds at most ${(fits / 2 ** 20).toFixed(0)} MiB per buffer, less than CIFAR-10's training set (${(FULL_TRAIN_BYTES / 2 ** 20).toFixed(0)} MiB): sets that large are uploaded a minibatch at a time instead of once`,
    );
  return {
    device: `GPU (WebGPU on Dawn: ${name})`,
    version: `tfjs-backend-webgpu ${tf.version_core}, webgpu (Dawn) ${webgpuPackage.version}`,
    software,
    limits,
    warnings,
  };
}

/** The limits of the device the backend runs on, when it is the WebGPU backend. */
export function webgpuLimits(): WebgpuLimits | undefined {
  return tf.getBackend() === "webgpu" ? limits : undefined;
}

/**
 * Why the WebGPU device was lost (driver reset, GPU removed), if it was: a read from a lost device
 * fails with a generic message, and this says what happened.
 */
export function webgpuLostReason(): string | undefined {
  return lostReason;
}

/** How many operations the GPU has refused so far (see `refusals`): a run notes it when it starts. */
export const webgpuRefusalCount = (): number => refusals.count;

/** The first refusal after the `count`th (as far back as they are kept), if there was one. */
export function webgpuRefusalSince(count: number): string | undefined {
  if (refusals.count <= count) return undefined;
  const dropped = refusals.count - refusals.recent.length;
  return refusals.recent[Math.max(0, count - dropped)];
}

/** The GPU refused one of a run's operations, so its results are not to be trusted. */
export class GpuRefusedError extends Error {
  override name = "GpuRefusedError";
}

/**
 * Destroys the device from outside this module's own releases, which is what a driver reset or a
 * GPU falling off the bus does to it: for tests of a lost device (Dawn offers no other way to lose one).
 */
export function loseWebgpuDevice(): void {
  device?.destroy();
}
