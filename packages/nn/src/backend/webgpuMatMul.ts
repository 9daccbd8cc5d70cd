// The two large matrix products of a training step (X·W1 with its bias and ReLU, and Xᵀ·dHidden) on
// the WebGPU backend, in larger tiles than TensorFlow.js' own kernel. Its tiles are 32 × 32, each
// thread computing 4 × 4 of them: on the H200 that ran X·W1 at ~15 TFLOP/s and Xᵀ·dHidden at ~23,
// where cuBLAS runs the whole step at 33 (README: "On an NVIDIA H200"). Here a workgroup of 16 × 16
// threads computes a 128 × 128 tile of the product, each thread 8 × 8 of it: four times the
// arithmetic per value read from workgroup memory. Everything else (skinny products such as the
// H × 10 ones, a transposed B, batches) goes to the stock kernels, replaced here and called back.
import type { WebGPUBackend, WebGPUProgram } from "@tensorflow/tfjs-backend-webgpu";
import * as tf from "@tensorflow/tfjs-core";
import type { KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";

const BACKEND = "webgpu";
/** Rows and columns of the product per workgroup. */
const TILE = 128;
/** Threads per side of a workgroup; each computes (TILE / THREADS)² values of the product. */
const THREADS = 16;
const PER_THREAD = TILE / THREADS;
/** The slice of the inner dimension staged in workgroup memory at a time. */
const TILE_K = 8;
/** Values of each staged slice that one thread loads. */
const LOADS = (TILE * TILE_K) / (THREADS * THREADS);

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** C (M × N) = op(A)·B (+ bias, ReLU), A being M × K, or K × M when transposed; B is K × N. */
class TiledMatMulProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  uniforms = "dimAOuter : i32, dimBOuter : i32, dimInner : i32,";

  /** `batched`: the output is 1 × M × N, as for 3-D inputs (a batch of one), else M × N. */
  constructor(
    M: number,
    N: number,
    batched: boolean,
    private readonly transposeA: boolean,
    private readonly addBias: boolean,
    private readonly relu: boolean,
  ) {
    this.variableNames = addBias ? ["A", "B", "bias"] : ["A", "B"];
    this.outputShape = batched ? [1, M, N] : [M, N];
    this.dispatchLayout = batched ? { x: [2], y: [1], z: [0] } : { x: [1], y: [0] };
    this.dispatch = [Math.ceil(N / TILE), Math.ceil(M / TILE), 1];
    this.shaderKey = `trainqlTiledMatMul_${transposeA}_${addBias}_${relu}`;
  }

  getUserCode(): string {
    // The staged slices are [k][m] and [k][n], so the compute loop reads a row of each. A thread's
    // values of the product are rows ty + 16i and columns tx + 16j: neighbouring threads read
    // neighbouring words of workgroup memory, and write neighbouring columns of the product.
    const loadA = this.transposeA
      ? // A is K × M: consecutive threads read consecutive m.
        `let kk = t / ${TILE / LOADS}; let mm = t % ${TILE / LOADS} + ${TILE / LOADS} * j;
         let m = row0 + mm; let k = k0 + kk;
         var v = 0.0; if (m < M && k < K) { v = A[k * M + m]; }
         tileA[kk * ${TILE} + mm] = v;`
      : // A is M × K: each row's slice of TILE_K values is read by TILE_K / LOADS threads.
        `let mm = t / ${TILE_K / LOADS}; let kk = (t % ${TILE_K / LOADS}) * ${LOADS} + j;
         let m = row0 + mm; let k = k0 + kk;
         var v = 0.0; if (m < M && k < K) { v = A[m * K + k]; }
         tileA[kk * ${TILE} + mm] = v;`;
    const cells = range(PER_THREAD).flatMap((i) => range(PER_THREAD).map((j) => [i, j] as const));
    return `
      var<workgroup> tileA : array<f32, ${TILE * TILE_K}>;
      var<workgroup> tileB : array<f32, ${TILE * TILE_K}>;

      fn main() {
        let M = uniforms.dimAOuter;
        let N = uniforms.dimBOuter;
        let K = uniforms.dimInner;
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let t = ty * ${THREADS} + tx;
        let row0 = i32(workgroupId.y) * ${TILE};
        let col0 = i32(workgroupId.x) * ${TILE};
        ${cells.map(([i, j]) => `var c${i}${j} = 0.0;`).join(" ")}
        for (var k0 = 0; k0 < K; k0 = k0 + ${TILE_K}) {
          for (var j = 0; j < ${LOADS}; j = j + 1) {
            { ${loadA} }
            {
              let kk = t / ${TILE / LOADS}; let nn = t % ${TILE / LOADS} + ${TILE / LOADS} * j;
              let n = col0 + nn; let k = k0 + kk;
              var w = 0.0; if (n < N && k < K) { w = B[k * N + n]; }
              tileB[kk * ${TILE} + nn] = w;
            }
          }
          workgroupBarrier();
          for (var k = 0; k < ${TILE_K}; k = k + 1) {
            ${range(PER_THREAD)
              .map((i) => `let a${i} = tileA[k * ${TILE} + ty + ${THREADS * i}];`)
              .join(" ")}
            ${range(PER_THREAD)
              .map((j) => `let b${j} = tileB[k * ${TILE} + tx + ${THREADS * j}];`)
              .join(" ")}
            ${cells.map(([i, j]) => `c${i}${j} = fma(a${i}, b${j}, c${i}${j});`).join("\n")}
          }
          workgroupBarrier();
        }
        ${cells
          .map(
            ([i, j]) => `{
          let r = row0 + ty + ${THREADS * i}; let c = col0 + tx + ${THREADS * j};
          if (r < M && c < N) {
            var v = c${i}${j};
            ${this.addBias ? "v = v + bias[c];" : ""}
            ${this.relu ? "v = max(v, 0.0);" : ""}
            result[r * N + c] = v;
          }
        }`,
          )
          .join("\n")}
      }
    `;
  }
}

/** The product in tiles when it is one this kernel serves (2-D, or a batch of one), else undefined. */
function tiledMatMul(
  backend: WebGPUBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias?: TensorInfo,
  activation?: string,
): TensorInfo | undefined {
  if (!enabled || transposeB || a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const rank = a.shape.length;
  if (b.shape.length !== rank || !(rank === 2 || (rank === 3 && a.shape[0] === 1 && b.shape[0] === 1)))
    return undefined;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, N] = b.shape.slice(-2) as [number, number];
  const [M, K] = transposeA ? [aCols, aRows] : [aRows, aCols];
  if (bRows !== K || M < TILE || N < TILE) return undefined;
  if (bias && !(bias.shape.length === 1 && bias.shape[0] === N && bias.dtype === "float32")) return undefined;
  if (activation !== undefined && activation !== "linear" && activation !== "relu") return undefined;
  const program = new TiledMatMulProgram(M, N, rank === 3, transposeA, bias !== undefined, activation === "relu");
  tiledProducts++;
  return backend.runWebGPUProgram(program, bias ? [a, b, bias] : [a, b], "float32", [
    { type: "int32", data: [M] },
    { type: "int32", data: [N] },
    { type: "int32", data: [K] },
  ]);
}

type MatMulArgs = {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  backend: WebGPUBackend;
  attrs: { transposeA: boolean; transposeB: boolean; activation?: string };
};

let enabled = true;
let installed = false;
let tiledProducts = 0;

/** Products run in tiles so far in this process (for tests: which kernel ran). */
export const tiledMatMulCount = (): number => tiledProducts;

/**
 * Puts the tiled kernel in front of the WebGPU backend's BatchMatMul and _FusedMatMul (once per
 * process; call after the backend's kernels are registered). `use` false leaves every product to the
 * stock kernels, for comparing the two (TRAINQL_WEBGPU_MATMUL=stock).
 */
export function installWebgpuMatMul(use: boolean): void {
  enabled = use;
  if (installed) return;
  installed = true;
  const wrap = (name: string, tiled: (args: MatMulArgs) => TensorInfo | undefined) => {
    const config = tf.getKernel(name, BACKEND) as KernelConfig | undefined;
    if (!config) throw new Error(`the WebGPU backend has no ${name} kernel to replace`);
    const stock = config.kernelFunc;
    const kernelFunc = ((args: MatMulArgs) => tiled(args) ?? stock(args as never)) as unknown as KernelFunc;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...config, kernelFunc });
  };
  wrap(tf.BatchMatMul, ({ inputs: { a, b }, backend, attrs }) =>
    tiledMatMul(backend, a, b, attrs.transposeA, attrs.transposeB),
  );
  wrap(tf._FusedMatMul, ({ inputs: { a, b, bias, preluActivationWeights }, backend, attrs }) =>
    preluActivationWeights
      ? undefined
      : tiledMatMul(backend, a, b, attrs.transposeA, attrs.transposeB, bias, attrs.activation),
  );
}
