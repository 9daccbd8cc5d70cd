// Which OpenBLAS kernels to use when the library does not know the CPU it runs on.
//
// A DYNAMIC_ARCH OpenBLAS (Debian's, NumPy's) picks its kernels at load time from the CPU's family and
// model number; a model newer than the library falls back to its generic "Prescott" kernels (SSE3).
// Measured on a 2-core Xeon of family 6 model 207 (Emerald Rapids) with Debian 12's OpenBLAS 0.3.21:
// Prescott kernels made a training step at H = 512 about 4× slower than the SkylakeX kernels the CPU
// supports (and that NumPy's newer OpenBLAS picks by itself). The library reads OPENBLAS_CORETYPE
// once, when it loads, so the check runs the library in a short child process first (~0.1 s, and only
// on an x86-64 Linux CPU with AVX2, where a better choice exists) and, when it fell back, sets
// OPENBLAS_CORETYPE to the best kernels the CPU's features allow. A user's own OPENBLAS_CORETYPE wins.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** OpenBLAS cores older than AVX2: on a CPU with AVX2 they mean the library did not recognise it. */
const PRE_AVX2_CORES = new Set([
  "katmai",
  "coppermine",
  "northwood",
  "prescott",
  "banias",
  "atom",
  "core2",
  "penryn",
  "dunnington",
  "nehalem",
  "sandybridge",
]);
const AVX512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"];

/** The CPU's feature flags as Linux reports them (only those the OS has enabled), or undefined. */
function cpuFlags(): Set<string> | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").match(/^flags\s*:(.*)$/m)?.[1];
    return line ? new Set(line.trim().split(/\s+/)) : undefined;
  } catch {
    return undefined;
  }
}

/** The best OpenBLAS kernels for these features (the fallback order of OpenBLAS's own newer releases). */
export function bestCoreFor(flags: ReadonlySet<string>): string | undefined {
  if (AVX512.every((f) => flags.has(f))) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  return undefined;
}

/** The kernels to ask for, given what the library picked by itself: undefined when its own pick is fine. */
export function correctedCore(picked: string | undefined, flags: ReadonlySet<string>): string | undefined {
  if (picked === undefined || !PRE_AVX2_CORES.has(picked.toLowerCase())) return undefined;
  return bestCoreFor(flags);
}

const PROBE = `
const koffi = require(process.argv[1]);
try {
  const core = koffi.load(process.argv[2]).func("const char *openblas_get_corename()")();
  process.stdout.write(String(core));
} catch {}
`;

/** The kernels `libraryPath` picks by itself on this CPU, asked in a child process; undefined if unknown. */
function probeCore(libraryPath: string): string | undefined {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  delete env.OPENBLAS_CORETYPE;
  try {
    const koffiPath = createRequire(import.meta.url).resolve("koffi");
    const out = spawnSync(process.execPath, ["-e", PROBE, koffiPath, libraryPath], {
      env,
      encoding: "utf8",
      timeout: 10_000,
    });
    return out.status === 0 && out.stdout ? out.stdout.trim() : undefined;
  } catch {
    return undefined; // (no answer: the library keeps its own pick)
  }
}

/**
 * Before `libraryPath` loads: when it would not recognise this CPU, sets OPENBLAS_CORETYPE to the
 * kernels the CPU supports and returns them (to say so in the backend's description); else undefined.
 */
export function chooseOpenBlasCore(libraryPath: string): string | undefined {
  if (process.env.OPENBLAS_CORETYPE) return undefined;
  const flags = cpuFlags();
  if (!flags || bestCoreFor(flags) === undefined) return undefined;
  const core = correctedCore(probeCore(libraryPath), flags);
  if (core) process.env.OPENBLAS_CORETYPE = core;
  return core;
}
