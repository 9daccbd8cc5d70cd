// The choice of OpenBLAS kernels when the library falls back on a CPU it does not know.
import { describe, expect, it } from "vitest";
import { bestCoreFor, correctedCore } from "../src/backend/openBlasCore.ts";

const AVX512 = new Set(["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]);
const AVX2 = new Set(["sse3", "avx", "avx2", "fma"]);
const SSE = new Set(["sse3", "ssse3", "sse4_2"]);

describe("OpenBLAS kernel choice", () => {
  it("takes the widest kernels the CPU's features allow", () => {
    expect(bestCoreFor(AVX512)).toBe("SkylakeX");
    expect(bestCoreFor(AVX2)).toBe("Haswell");
    expect(bestCoreFor(SSE)).toBeUndefined();
  });

  it("corrects only a fallback to pre-AVX2 kernels on a CPU that has better", () => {
    // Debian 12's OpenBLAS 0.3.21 on an Emerald Rapids Xeon (family 6, model 207).
    expect(correctedCore("Prescott", AVX512)).toBe("SkylakeX");
    expect(correctedCore("Nehalem", AVX2)).toBe("Haswell");
    // The library knew the CPU: its pick stands.
    expect(correctedCore("Cooperlake", AVX512)).toBeUndefined();
    expect(correctedCore("Zen", AVX2)).toBeUndefined();
    expect(correctedCore("SkylakeX", AVX512)).toBeUndefined();
    // An old CPU whose generic kernels are right, and a library that does not say.
    expect(correctedCore("Prescott", SSE)).toBeUndefined();
    expect(correctedCore(undefined, AVX512)).toBeUndefined();
  });
});
