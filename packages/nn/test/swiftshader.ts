// WebGPU without a GPU: Dawn on SwiftShader, the software Vulkan driver that Debian's chromium
// package ships (CI installs chromium for the browser tests). Slow (~0.1 GFLOP/s) but exact, so the
// WebGPU tests use small shapes.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const CHROMIUM_LIB = "/usr/lib/chromium";
const ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;
const LOADER = `${CHROMIUM_LIB}/libvulkan.so.1`;

/** The environment that points a child process's Dawn at SwiftShader. */
export const SWIFTSHADER_ENV = {
  VK_ICD_FILENAMES: ICD,
  LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp",
};

/** Why SwiftShader cannot be used here, or undefined when it can. */
export const swiftShaderMissing: string | undefined =
  process.platform !== "linux"
    ? "SwiftShader from Debian's chromium is a Linux setup"
    : !existsSync(ICD) || !existsSync(LOADER)
      ? `no SwiftShader: ${ICD} or ${LOADER} is missing (apt install chromium)`
      : undefined;

// Held for the life of the process, so the loaded library is never unloaded.
let _loader: unknown;

/**
 * Points this process's Dawn at SwiftShader. The loader is loaded by its path first: LD_LIBRARY_PATH
 * is read once at process start, and Dawn's later dlopen("libvulkan.so.1") finds the loaded one by
 * its soname. The Vulkan loader reads VK_ICD_FILENAMES when Dawn creates its instance.
 */
export function useSwiftShader(): void {
  if (swiftShaderMissing) throw new Error(swiftShaderMissing);
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ENV.VK_ICD_FILENAMES;
  process.env.XDG_RUNTIME_DIR = SWIFTSHADER_ENV.XDG_RUNTIME_DIR;
  // For the engine's check that a loader exists (see missingVulkanLoader); the library itself is
  // loaded below.
  process.env.LD_LIBRARY_PATH = SWIFTSHADER_ENV.LD_LIBRARY_PATH;
  const koffi = createRequire(import.meta.url)("koffi") as { load: (path: string) => unknown };
  _loader ??= koffi.load(LOADER);
}
