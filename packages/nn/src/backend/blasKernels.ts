// Kernels for the WebAssembly backend that run on the native BLAS (openBlas.ts), straight on the
// WebAssembly heap: matrix products (`BatchMatMul`, `_FusedMatMul`) and sums (`Sum`: a sum over rows
// or columns is a matrix-vector product with a vector of ones, which the BLAS runs vectorized, while
// the stock kernel adds one number at a time). Registered in TensorFlow.js' kernel registry under the
// names the ops already use, so the model stays plain tfjs code that every backend runs.
//
// Without a BLAS the same kernels still improve on the stock ones in one way: they turn transposed
// operands into an explicit `transpose` first, because the stock WebAssembly kernel multiplies by a
// transposed matrix more than 10× slower than it transposes and multiplies.
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import {
  type _FusedMatMulAttrs,
  type _FusedMatMulInputs,
  type BatchMatMulAttrs,
  type BatchMatMulInputs,
  backend_util,
  broadcast_util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type SumAttrs,
  type SumInputs,
  type TensorInfo,
  util,
} from "@tensorflow/tfjs-core";
import { CblasNoTrans, CblasRowMajor, CblasTrans } from "./cblas.ts";
import type { Blas, GatherAhead } from "./openBlas.ts";

const BACKEND = "wasm";

interface KernelArgs<I> {
  inputs: I;
  backend: BackendWasm;
  attrs: NamedAttrMap;
}

let blas: Blas | undefined;
let useBlas = false;
let stock: Record<"batchMatMul" | "fusedMatMul" | "sum" | "transpose" | "relu", KernelFunc> | undefined;
/** A vector of ones on the heap for `Sum` (its offset in floats), grown to the longest sum so far. */
let ones: { offset: number; length: number } | undefined;

/** Whether products currently run on the native BLAS (false when none loaded, or switched off). */
export function blasKernelsActive(): boolean {
  return useBlas && blas !== undefined;
}

/**
 * Switches between the native BLAS and the stock WebAssembly kernels, e.g. to compare them in one
 * process (the benchmark and the equivalence tests). Returns the previous setting.
 */
export function setBlasKernels(enabled: boolean): boolean {
  const previous = useBlas;
  useBlas = enabled;
  return previous;
}

/** The parts of the Emscripten module used here (its published type leaves them out). */
export interface WasmHeap {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}
export const wasmHeap = (backend: BackendWasm) => backend.wasm as unknown as WasmHeap;

/**
 * `length` floats of a tensor's memory on the heap, from float `start`: what the BLAS reads and
 * writes. A growing heap replaces its buffer, so take views after the last allocation.
 */
function floats(backend: BackendWasm, t: TensorInfo, start: number, length: number): Float32Array {
  const first = backend.getMemoryOffset(t.dataId) / 4 + start;
  return wasmHeap(backend).HEAPF32.subarray(first, first + length);
}

/** out (batch × m × n) = op(a) · op(b) + beta · out, one sgemm per batch entry. */
function blasProduct(
  backend: BackendWasm,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  out: TensorInfo,
  beta: 0 | 1,
): void {
  const rank = (t: TensorInfo) => t.shape.length;
  const [aRows, aCols] = [a.shape[rank(a) - 2]!, a.shape[rank(a) - 1]!];
  const [bRows, bCols] = [b.shape[rank(b) - 2]!, b.shape[rank(b) - 1]!];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const n = transposeB ? bRows : bCols;
  const batch = util.sizeFromShape(out.shape.slice(0, -2));
  const aBatch = util.sizeFromShape(a.shape.slice(0, -2));
  const bBatch = util.sizeFromShape(b.shape.slice(0, -2));
  // The i-th matrix of t, or its only one when t is broadcast over the batch.
  const matrix = (t: TensorInfo, tBatch: number, size: number, i: number) =>
    floats(backend, t, tBatch === 1 ? 0 : i * size, size);
  for (let i = 0; i < batch; i++) {
    const c = matrix(out, batch, m * n, i);
    if (k === 0) {
      if (beta === 0) c.fill(0);
      continue;
    }
    blas!.sgemm(
      CblasRowMajor,
      transposeA ? CblasTrans : CblasNoTrans,
      transposeB ? CblasTrans : CblasNoTrans,
      m,
      n,
      k,
      1,
      matrix(a, aBatch, m * k, i),
      Math.max(1, aCols),
      matrix(b, bBatch, k * n, i),
      Math.max(1, bCols),
      beta,
      c,
      Math.max(1, n),
    );
  }
}

/** The product's output shape, or undefined when batch dimensions need more than simple broadcasting. */
function outputShape(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): number[] | undefined {
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const aSize = util.sizeFromShape(aBatch);
  const bSize = util.sizeFromShape(bBatch);
  if (aSize !== bSize && aSize !== 1 && bSize !== 1) return undefined;
  // Each side gives the i-th matrix, or its only one (see product): batches that broadcast against
  // each other ([2, 1] with [1, 2]: 4 products of 2 matrices each) would pair the wrong matrices and
  // read past the smaller side. TensorFlow.js' own kernel gets them wrong too, so say so instead.
  const outSize = util.sizeFromShape(broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch));
  if ((aSize !== outSize && aSize !== 1) || (bSize !== outSize && bSize !== 1))
    throw new Error(
      `matMul of batch shapes [${aBatch}] and [${bBatch}]: batches that broadcast against each other are not supported; give both sides the same batch shape`,
    );
  const m = transposeA ? a.shape.at(-1)! : a.shape.at(-2)!;
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  const k = transposeA ? a.shape.at(-2)! : a.shape.at(-1)!;
  const kB = transposeB ? b.shape.at(-1)! : b.shape.at(-2)!;
  util.assert(
    k === kB,
    () =>
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} ` +
      `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
  );
  return [...broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch), m, n];
}

/** Runs a stock kernel with its transposed operands made explicit (see the header comment). */
function withExplicitTransposes<I extends { a: TensorInfo; b: TensorInfo }>(
  kernel: KernelFunc,
  args: KernelArgs<I>,
): TensorInfo {
  const { inputs, backend, attrs } = args;
  const transposed = (t: TensorInfo) => {
    const perm = t.shape.map((_, i) => i);
    perm.push(...perm.splice(-2).reverse());
    return stock!.transpose({ inputs: { x: t }, backend, attrs: { perm } }) as TensorInfo;
  };
  const a = attrs.transposeA ? transposed(inputs.a) : inputs.a;
  const b = attrs.transposeB ? transposed(inputs.b) : inputs.b;
  const out = kernel({
    inputs: { ...inputs, a, b },
    backend,
    attrs: { ...attrs, transposeA: false, transposeB: false },
  }) as TensorInfo;
  for (const t of [a, b]) if (t !== inputs.a && t !== inputs.b) backend.disposeData(t.dataId);
  return out;
}

function batchMatMul(args: KernelArgs<BatchMatMulInputs>): TensorInfo {
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  const shape = blasKernelsActive() && a.dtype === "float32" ? outputShape(a, b, transposeA, transposeB) : undefined;
  if (!shape) return withExplicitTransposes(stock!.batchMatMul, { ...args, inputs: { a, b } });
  const out = args.backend.makeOutput(shape, "float32");
  blasProduct(args.backend, a, b, transposeA, transposeB, out, 0);
  return out;
}

/** relu(a·b + bias) and a·b + bias (a bias per column) natively; anything else goes to the stock kernel. */
function fusedMatMul(args: KernelArgs<_FusedMatMulInputs>): TensorInfo {
  const { a, b, bias, preluActivationWeights } = args.inputs as {
    a: TensorInfo;
    b: TensorInfo;
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const { transposeA, transposeB, activation } = args.attrs as unknown as _FusedMatMulAttrs;
  const supported =
    blasKernelsActive() &&
    a.dtype === "float32" &&
    preluActivationWeights === undefined &&
    (activation === "linear" || activation === "relu") &&
    (bias === undefined || bias.shape.length === 1);
  const shape = supported ? outputShape(a, b, transposeA, transposeB) : undefined;
  if (!shape || (bias && bias.shape[0] !== shape.at(-1)))
    return withExplicitTransposes(stock!.fusedMatMul, args as KernelArgs<{ a: TensorInfo; b: TensorInfo }>);
  const { backend } = args;
  const out = backend.makeOutput(shape, "float32");
  const values = backend.typedArrayFromHeap(out) as Float32Array;
  // The bias goes in first and GEMM adds onto it (beta = 1): one pass over the output fewer.
  if (bias) {
    const biasValues = backend.typedArrayFromHeap(bias) as Float32Array;
    for (let row = 0; row < values.length; row += biasValues.length) values.set(biasValues, row);
  }
  blasProduct(backend, a, b, transposeA, transposeB, out, bias ? 1 : 0);
  if (activation === "linear") return out;
  // The stock ReLU is vectorized; a JavaScript loop over the heap takes ~40× longer.
  const activated = stock!.relu({ inputs: { x: out }, backend, attrs: {} }) as TensorInfo;
  backend.disposeData(out.dataId);
  return activated;
}

/** Whether products on host rows run on the BLAS, reading the rows in place (see HostRows). */
export function readsHostRows(): boolean {
  return blasKernelsActive() && tf.getBackend() === BACKEND;
}

/**
 * relu(rows · w + bias) (or without the ReLU) for `n` rows that live in JavaScript memory (row-major,
 * n × k), with the BLAS reading them where they are: as a tensor they would first be copied onto the
 * WebAssembly heap, 12 MB per 1,000 CIFAR rows, which took ~15% of a validation pass at H = 128.
 * Undefined unless products run on the BLAS (then make the rows a tensor and use tf.fused.matMul).
 */
export function hostRowsProduct(
  rows: Float32Array,
  n: number,
  w: tf.Tensor2D,
  bias: tf.Tensor1D | undefined,
  activation: "linear" | "relu",
): tf.Tensor2D | undefined {
  if (!readsHostRows() || w.dtype !== "float32") return undefined;
  const backend = tf.backend() as BackendWasm;
  const [k, m] = w.shape;
  util.assert(rows.length === n * k, () => `hostRowsProduct: ${rows.length} values are not ${n} rows of ${k}`);
  const out = backend.makeOutput([n, m], "float32");
  // (Views after the allocation: it may have grown the heap.)
  const values = floats(backend, out, 0, n * m);
  if (bias) {
    const biasValues = floats(backend, bias, 0, m);
    for (let row = 0; row < values.length; row += m) values.set(biasValues, row);
  }
  const wValues = floats(backend, w, 0, k * m);
  blas!.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1, rows, k, wValues, m, bias ? 1 : 0, values, m);
  let result: TensorInfo = out;
  if (activation === "relu") {
    result = stock!.relu({ inputs: { x: out }, backend, attrs: {} }) as TensorInfo;
    backend.disposeData(out.dataId);
  }
  return tf.engine().makeTensorFromTensorInfo(result) as tf.Tensor2D;
}

/**
 * A matrix's rows in JavaScript memory (row-major: `count` rows filling `values`), which the BLAS
 * reads where they are: a training minibatch gathered ahead, which cannot be on the heap, whose
 * memory moves when it grows (see secondThread.ts).
 */
export interface HostRows {
  values: Float32Array;
  count: number;
}

/**
 * w ← beta · w + alpha · aᵀ · b, in w's own memory: an SGD step on a weight matrix as one GEMM, its L2
 * term folded into beta (w − lr · (aᵀb + 2 · reg · w) = (1 − 2 · lr · reg) · w − lr · aᵀb). The
 * functional update writes aᵀb to a new w-sized tensor and then reads it and w into another one, which
 * the variable takes (scaledSum); at H = 2048, W1 is 25 MB. Returns false, having
 * done nothing, unless products run on the BLAS and no other tensor shares w's memory.
 */
export function sgdUpdateInPlace(
  w: tf.Variable,
  a: tf.Tensor2D | HostRows,
  b: tf.Tensor2D,
  alpha: number,
  beta: number,
): boolean {
  if (!readsHostRows()) return false;
  const onHost = !(a instanceof tf.Tensor);
  if (![w, b, ...(onHost ? [] : [a])].every((t) => t.dtype === "float32")) return false;
  const backend = tf.backend() as BackendWasm;
  if (backend.refCount(w.dataId) !== 1) return false;
  const [k, m] = onHost ? [a.count, a.values.length / a.count] : a.shape;
  const n = b.shape[1];
  util.assert(
    b.shape[0] === k && w.shape.length === 2 && w.shape[0] === m && w.shape[1] === n,
    () => `sgdUpdateInPlace: ${w.shape} is not the shape of aᵀb for a ${[k, m]} and b ${b.shape}`,
  );
  const values = floats(backend, w, 0, m * n);
  blas!.sgemm(
    CblasRowMajor,
    CblasTrans,
    CblasNoTrans,
    m,
    n,
    k,
    alpha,
    onHost ? a.values : floats(backend, a, 0, k * m),
    m,
    floats(backend, b, 0, k * n),
    n,
    beta,
    values,
    n,
  );
  return true;
}

/** The one-element vector that makes sgemv an axpby (see scaledAddInPlace). */
const ONE = new Float32Array([1]);

/**
 * w ← beta · w + alpha · g, in w's own memory: one BLAS pass (sgemv, g as a one-column matrix times
 * [1]). The update of a step taken in slices from its summed gradient (TwoLayerNet.slicedSgdStep),
 * which as ops writes three w-sized tensors (β·w, α·g, their sum): 300 MB more at H = 8,192. Returns
 * false, having done nothing, unless products run on the BLAS and no other tensor shares w's memory.
 */
export function scaledAddInPlace(w: tf.Variable, g: tf.Tensor, beta: number, alpha: number): boolean {
  if (!readsHostRows() || w.dtype !== "float32" || g.dtype !== "float32") return false;
  const backend = tf.backend() as BackendWasm;
  if (backend.refCount(w.dataId) !== 1) return false;
  util.assertShapesMatch(w.shape, g.shape, "scaledAddInPlace: ");
  const n = w.size;
  blas!.sgemv(
    CblasRowMajor,
    CblasNoTrans,
    n,
    1,
    alpha,
    floats(backend, g, 0, n),
    1,
    ONE,
    1,
    beta,
    floats(backend, w, 0, n),
    1,
  );
  return true;
}

/**
 * ΣW² of a float32 tensor as one BLAS dot product of its memory with itself, or undefined unless
 * products run on the BLAS. The L2 term of every step's loss: as tf.sum(tf.square(W)) it writes a
 * W-sized temporary and reads W twice (0.3 ms a step at H = 128, measured; the dot 0.04 ms).
 */
export function sumOfSquares(w: tf.Tensor): number | undefined {
  if (!blasKernelsActive() || tf.getBackend() !== BACKEND || w.dtype !== "float32") return undefined;
  const values = floats(tf.backend() as BackendWasm, w, 0, w.size);
  return blas!.sdot(w.size, values, 1, values, 1);
}

/**
 * Row i of `into` ← row rows[i] of `source` (each `rowLength` floats), on two threads (the minibatch
 * gather, see secondThread.ts). False, having done nothing, unless products run on a BLAS that can
 * (Blas.gatherRows).
 */
export function gatherRows(source: Float32Array, rows: Int32Array, rowLength: number, into: Float32Array): boolean {
  return blasKernelsActive() && blas!.gatherRows(source, rows, rowLength, into);
}

/**
 * The same copy on the second thread in the background, until `join()` (Blas.gatherRowsAhead);
 * undefined, having done nothing, unless products run on a BLAS that can, with its thread free.
 */
export function gatherRowsAhead(
  source: Float32Array,
  rows: Int32Array,
  rowLength: number,
  into: Float32Array,
): GatherAhead | undefined {
  if (!blasKernelsActive()) return undefined;
  // The copy runs beside the main thread, which may grow the heap and so move whatever is on it.
  const heap = tf.getBackend() === BACKEND ? wasmHeap(tf.backend() as BackendWasm).HEAPF32.buffer : undefined;
  if (source.buffer === heap || into.buffer === heap)
    throw new Error("gatherRowsAhead copies between JavaScript arrays only, not on the WebAssembly heap");
  return blas!.gatherRowsAhead(source, rows, rowLength, into);
}

function onesOnHeap(backend: BackendWasm, length: number): Float32Array {
  const heap = wasmHeap(backend);
  if (!ones || ones.length < length) {
    if (ones) heap._free(ones.offset * 4);
    ones = { offset: heap._malloc(length * 4) / 4, length };
    heap.HEAPF32.fill(1, ones.offset, ones.offset + length);
  }
  return heap.HEAPF32.subarray(ones.offset, ones.offset + length);
}

/** Sums over leading or trailing axes as x·1 or xᵀ·1; others (e.g. a middle axis) go to the stock kernel. */
function sum(args: KernelArgs<SumInputs>): TensorInfo {
  const { backend } = args;
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as SumAttrs;
  const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const rank = x.shape.length;
  const contiguous = axes.every((a, i) => a === axes[0]! + i);
  const trailing = contiguous && axes.at(-1) === rank - 1;
  const leading = contiguous && axes[0] === 0;
  const size = util.sizeFromShape(x.shape);
  if (!blasKernelsActive() || x.dtype !== "float32" || axes.length === 0 || size === 0 || !(trailing || leading))
    return stock!.sum(args) as TensorInfo;
  const reduced = util.sizeFromShape(axes.map((a) => x.shape[a]!));
  const kept = size / reduced;
  const outShape = x.shape.filter((_, i) => !axes.includes(i));
  const out = backend.makeOutput(keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape, "float32");
  const unit = onesOnHeap(backend, reduced); // (may grow the heap: take the other views after it)
  const xValues = floats(backend, x, 0, size);
  const outValues = floats(backend, out, 0, kept);
  // x is kept × reduced when the trailing axes go (out = x·1), reduced × kept when the leading do (out = xᵀ·1).
  if (trailing) blas!.sgemv(CblasRowMajor, CblasNoTrans, kept, reduced, 1, xValues, reduced, unit, 1, 0, outValues, 1);
  else blas!.sgemv(CblasRowMajor, CblasTrans, reduced, kept, 1, xValues, kept, unit, 1, 0, outValues, 1);
  return out;
}

/**
 * Registers the kernels on the WebAssembly backend (once per process) and uses `nativeBlas` for them
 * when given. Call after the backend is registered: the stock kernels are kept to fall back on.
 */
export function installBlasKernels(nativeBlas: Blas | undefined): void {
  if (!stock) {
    const stockKernel = (name: string) => {
      const config = tf.getKernel(name, BACKEND);
      if (!config) throw new Error(`the WebAssembly backend has no ${name} kernel to replace`);
      return config;
    };
    const stockBatch = stockKernel(tf.BatchMatMul);
    const stockFused = stockKernel(tf._FusedMatMul);
    const stockSum = stockKernel(tf.Sum);
    stock = {
      batchMatMul: stockBatch.kernelFunc,
      fusedMatMul: stockFused.kernelFunc,
      sum: stockSum.kernelFunc,
      transpose: stockKernel(tf.Transpose).kernelFunc,
      relu: stockKernel(tf.Relu).kernelFunc,
    };
    const replace = (config: KernelConfig, kernelFunc: KernelFunc) => {
      tf.unregisterKernel(config.kernelName, BACKEND);
      tf.registerKernel({ ...config, kernelFunc });
    };
    replace(stockBatch, batchMatMul as unknown as KernelFunc);
    replace(stockFused, fusedMatMul as unknown as KernelFunc);
    replace(stockSum, sum as unknown as KernelFunc);
  }
  blas = nativeBlas;
  useBlas = nativeBlas !== undefined;
}
