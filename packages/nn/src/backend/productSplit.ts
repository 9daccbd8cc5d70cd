// Narrow matrix products cut in two blocks of rows, computed at the same time on the main thread and
// on a worker thread, each block a one-thread sgemm on the same memory.
//
// Why: OpenBLAS splits a product over its own threads, but 0.3.21 (Debian 12's) does it poorly for
// the narrow shapes of small nets. Measured on 2 cores (`OPENBLAS_CORETYPE` unset), 1000 × 128 from
// 3,072 (a step's forward product at H = 128) took 3.3 ms on the library's two threads against 5.5 ms
// on one (1.66×); cut in two row blocks here, 2.9 ms (1.9×, what NumPy's OpenBLAS 0.3.31 gets by
// itself). The step's update product (3,072 × 128 from 1,000) went from 3.2–3.4 to 3.0 ms, the
// validation pass's (10,000 rows) from 33.0 to 31.8. From 256 columns on, the two ways are even (512:
// 10.6 both ways), so wider products stay the library's.
//
// Only with two threads: with more, concurrent calls would contend for OpenBLAS's one thread pool,
// and a product cut in as many one-thread blocks as cores has not been measured against it.
//
// Safety: the worker gets raw addresses (the wasm heap is not shared memory). The main thread blocks
// until the worker's block is done, so nothing can move, grow or be freed under it meanwhile.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import koffi from "koffi";
import { CblasTrans, type SgemmArgs } from "./cblas.ts";

/** Products at most this wide (columns of C) are split; wider ones gained nothing measurable. */
export const SPLIT_MAX_COLUMNS = 256;

// The worker's state (state[0]): starting until it has loaded the library, then idle or busy.
const STARTING = -1;
const IDLE = 0;
const BUSY = 1;

const FLOAT_BYTES = 4;

// The worker's whole program. Plain JavaScript in a string: it must load as is wherever the engine
// runs (from source under tsx, or bundled), with no file of its own to find. It declares the
// matrices as addresses (intptr_t), which the x86-64 and arm64 calling conventions pass as pointers.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const koffi = require(workerData.koffi);
const sgemm = koffi.load(workerData.library).func(
  "void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, intptr_t a, int lda, " +
    "intptr_t b, int ldb, float beta, intptr_t c, int ldc)",
);
const state = new Int32Array(workerData.control, 0, 2);
const args = new Float64Array(workerData.control, 8, 14);
Atomics.store(state, 0, ${IDLE});
for (;;) {
  Atomics.wait(state, 0, ${IDLE});
  let failed = 0;
  try {
    sgemm(...args);
  } catch {
    failed = 1;
  }
  state[1] = failed;
  Atomics.store(state, 0, ${IDLE});
  Atomics.notify(state, 0);
}
`;

export interface ProductSplitter {
  /**
   * cblas_sgemm(...args) with C's rows cut in two blocks, the second on the worker; false, having
   * done nothing, while the worker is not ready (it starts in the background) or has stopped.
   * `sgemm` computes the first block on this thread. The library must run one-thread products.
   */
  run(sgemm: (...args: SgemmArgs) => void, args: SgemmArgs): boolean;
  /** Products split so far (for tests and benchmarks). */
  readonly products: number;
}

/** Starts the worker for products of the library at `libraryPath` (as the main thread loaded it). */
export function startProductSplitter(libraryPath: string): ProductSplitter {
  const control = new SharedArrayBuffer(8 + 14 * 8);
  const state = new Int32Array(control, 0, 2);
  const args = new Float64Array(control, 8, 14);
  Atomics.store(state, 0, STARTING);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, library: libraryPath, koffi: createRequire(import.meta.url).resolve("koffi") },
  });
  let stopped = false;
  // A worker that fails to start, or stops, leaves every product to the library.
  worker.on("error", () => {
    stopped = true;
  });
  worker.on("exit", () => {
    stopped = true;
  });
  // Idle, it waits on a futex: it must not keep the process alive.
  worker.unref();

  let products = 0;
  return {
    get products() {
      return products;
    },
    run(sgemm, call) {
      if (stopped || Atomics.load(state, 0) !== IDLE) return false;
      const [order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc] = call;
      const top = Math.floor(m / 2);
      // The second block's rows of op(A): rows of A, or its columns when A is transposed.
      const aOffset = transA === CblasTrans ? top : top * lda;
      const cOffset = top * ldc;
      const address = (t: Float32Array, offset: number) => Number(koffi.address(t)) + offset * FLOAT_BYTES;
      args.set([
        order,
        transA,
        transB,
        m - top,
        n,
        k,
        alpha,
        address(a, aOffset),
        lda,
        address(b, 0),
        ldb,
        beta,
        address(c, cOffset),
        ldc,
      ]);
      Atomics.store(state, 0, BUSY);
      Atomics.notify(state, 0);
      sgemm(order, transA, transB, top, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      while (Atomics.load(state, 0) === BUSY) Atomics.wait(state, 0, BUSY);
      if (state[1] !== 0) throw new Error("the product worker's sgemm failed");
      products++;
      return true;
    },
  };
}
