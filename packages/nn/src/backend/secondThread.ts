// A second thread for the work of a step that the BLAS does not spread over two cores well: matrix
// products, and the minibatch gather. Each is cut in two halves, one done on the main thread
// and one on a worker thread at the same time, on the same memory. Between a step's products the
// worker also copies the next minibatch's rows in the background (gatherAhead).
//
// Products: OpenBLAS splits a product over its own threads, but 0.3.21 (Debian 12's) does it poorly
// for the narrow shapes of small nets. Measured on 2 cores (`OPENBLAS_CORETYPE` unset), 1000 × 128
// from 3,072 (a step's forward product at H = 128) took 3.3 ms on the library's two threads against
// 5.5 ms on one (1.66×); cut in two row blocks here, each a one-thread sgemm, 2.9 ms (1.9×, what
// NumPy's OpenBLAS 0.3.31 gets by itself). The step's update product (3,072 × 128 from 1,000) went
// from 3.2–3.4 to 3.0 ms, the validation pass's (10,000 rows) from 33.0 to 31.8. Wider products were
// even there (512 columns: 10.6 ms both ways) and faster on a 2-core AMD EPYC: training went from
// 33.3 to 30.2 ms an iteration at H = 512, 58.8 to 56.1 at H = 1024, 114 to 107 at H = 2048, so
// every product that is not skinny is split. Only with two BLAS threads: with more, concurrent
// calls would contend for OpenBLAS's one thread pool.
//
// The gather: a minibatch is 1,000 rows of 12 KiB picked at random from 491 MB, and one core copies
// them at ~6 GB/s here (2.2 ms, NumPy's `X[idx]` 1.4 ms); two cores copy twice as much at once
// (1.2 ms), and nothing else runs between two steps.
//
// The gather ahead: between a step's two big products, and after them, the main thread runs the
// step's small elementwise work alone (~2 ms of a 14 ms step at H = 128), and the worker idled. Now
// it copies the next minibatch meanwhile, a few rows at a time, putting a product's half first
// whenever one comes. Measured at H = 128 (real CIFAR-10, 2-core Xeon): taking a minibatch went from
// 1.4–1.5 ms to 0.15–0.3 ms, and a step from 13.65 to 12.76 ms (median difference of 80 interleaved
// pairs). Where rows are left when the next step joins the copy (a 2-core AMD EPYC had ~0.8 ms of
// them at H = 128), the main thread takes chunks too instead of waiting: −0.49 and −0.53 ms of a 7.5
// ms step at H = 128, −0.35 ms of 22 at H = 512 (median differences of 60 and 30 pairs).
//
// Safety: the worker gets raw addresses (neither the wasm heap nor the data sets are shared memory).
// For the halves, the main thread blocks until the worker's half is done, so nothing can move, grow
// or be freed under it meanwhile, and it checks every row index before handing them over. A gather
// ahead writes into memory the main thread goes on running beside, so it only takes JavaScript
// arrays (whose memory never moves, unlike the wasm heap's when it grows), and this module holds
// both arrays until the copy is done and joined, whatever the caller does with them.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import koffi from "koffi";
import { CblasTrans, type SgemmArgs } from "./cblas.ts";
import { loadingWorker } from "./loadingWorkers.ts";

/** Gathers of at most this many rows are split (the worker reads their indices from shared memory). */
export const GATHER_MAX_ROWS = 65_536;

/** Rows a gather ahead copies between two looks for a product to do (8 rows: 96 KiB, ~15 µs). */
const AHEAD_CHUNK_ROWS = 8;

// The control words (Int32) the two threads share.
const HALF = 0; // the half asked of the worker: starting until it has loaded the library, then idle or busy
const HALF_FAILED = 1;
const HALF_TASK = 2; // PRODUCT or GATHER
const BELL = 3; // bumped whenever there is work: the idle worker sleeps on it
const AHEAD = 4; // the gather ahead: idle or busy
const AHEAD_NEXT = 5; // its next row not yet taken by a thread (each takes AHEAD_CHUNK_ROWS)
const AHEAD_COUNT = 6;
const AHEAD_FAILED = 7;
const AHEAD_COPIED = 8; // its rows copied: whoever copies the last one sets AHEAD idle
const WORKER_IN_AHEAD = 9; // 1 while the worker may take a chunk: no new gather ahead starts then
const WORDS = 10;
// Then the arguments (Float64, so at a multiple of 8 bytes): a half's (cblas_sgemm's 14, or a
// gather's 5), and a gather ahead's 3.
const HALF_ARGS = Math.ceil(WORDS / 2) * 8;
const AHEAD_ARGS = HALF_ARGS + 14 * 8;
const CONTROL_BYTES = AHEAD_ARGS + 3 * 8;

const STARTING = -1;
const IDLE = 0;
const BUSY = 1;
const PRODUCT = 0;
const GATHER = 1;

const FLOAT_BYTES = 4;

// The worker's whole program. Plain JavaScript in a string: it must load as is wherever the engine
// runs (from source under tsx, or bundled), with no file of its own to find. It declares memory as
// addresses (intptr_t), which the x86-64 and arm64 calling conventions pass as pointers.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const koffi = require(workerData.koffi);
const blas = koffi.load(workerData.library);
const sgemm = blas.func(
  "void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, intptr_t a, int lda, " +
    "intptr_t b, int ldb, float beta, intptr_t c, int ldc)",
);
const scopy = blas.func("void cblas_scopy(int n, intptr_t x, int incx, intptr_t y, int incy)");
const state = new Int32Array(workerData.control, 0, ${WORDS});
const args = new Float64Array(workerData.control, ${HALF_ARGS}, 14);
const aheadArgs = new Float64Array(workerData.control, ${AHEAD_ARGS}, 3);
const rows = new Int32Array(workerData.rows);
const aheadRows = new Int32Array(workerData.aheadRows);
const copyRows = (indices, source, into, rowLength, from, to) => {
  const rowBytes = rowLength * ${FLOAT_BYTES};
  for (let i = from; i < to; i++) scopy(rowLength, source + indices[i] * rowBytes, 1, into + i * rowBytes, 1);
};
// Copies a chunk of the gather ahead, if there is one with rows not yet taken (by this thread or by
// the main one joining it). Marked first: the main thread may finish a gather while this thread is
// about to take a chunk of it, and must not start the next one (new rows, count and counters)
// until this thread is out.
const aheadChunk = () => {
  Atomics.store(state, ${WORKER_IN_AHEAD}, 1);
  const busy = Atomics.load(state, ${AHEAD}) === ${BUSY};
  const count = state[${AHEAD_COUNT}]; // (read after AHEAD: what the main thread wrote before it)
  const work = busy && Atomics.load(state, ${AHEAD_NEXT}) < count;
  if (work) {
    const from = Atomics.add(state, ${AHEAD_NEXT}, ${AHEAD_CHUNK_ROWS});
    if (from < count) {
      const to = Math.min(from + ${AHEAD_CHUNK_ROWS}, count);
      try {
        copyRows(aheadRows, ...aheadArgs, from, to);
      } catch {
        state[${AHEAD_FAILED}] = 1;
      }
      if (Atomics.add(state, ${AHEAD_COPIED}, to - from) + to - from === count) {
        Atomics.store(state, ${AHEAD}, ${IDLE});
        Atomics.notify(state, ${AHEAD});
      }
    }
  }
  Atomics.store(state, ${WORKER_IN_AHEAD}, 0);
  return work;
};
Atomics.store(state, ${HALF}, ${IDLE});
for (;;) {
  const bell = Atomics.load(state, ${BELL});
  if (Atomics.load(state, ${HALF}) === ${BUSY}) {
    let failed = 0;
    try {
      if (state[${HALF_TASK}] === ${PRODUCT}) sgemm(...args);
      else copyRows(rows, ...args.subarray(0, 5));
    } catch {
      failed = 1;
    }
    state[${HALF_FAILED}] = failed;
    Atomics.store(state, ${HALF}, ${IDLE});
    Atomics.notify(state, ${HALF});
  } else if (!aheadChunk()) Atomics.wait(state, ${BELL}, bell);
}
`;

/** A gather under way on the worker (SecondThread.gatherAhead). */
export interface GatherAhead {
  /**
   * Waits until every row is copied (at once when they are), copying the rows not yet taken on this
   * thread meanwhile; throws if the copy failed.
   */
  join(): void;
}

export interface SecondThread {
  /**
   * cblas_sgemm(...args) with C's rows cut in two blocks, the second on the worker; false, having
   * done nothing, while the worker is not ready (it starts in the background) or has stopped.
   * `sgemm` computes the first block on this thread. The library must run one-thread products.
   */
  product(sgemm: (...args: SgemmArgs) => void, args: SgemmArgs): boolean;
  /**
   * Row i of `into` ← row rows[i] of `source` (rows of `rowLength` floats), the second half of the
   * rows copied by the worker; false, having done nothing, while the worker is not ready or for more
   * than GATHER_MAX_ROWS rows. Throws RangeError for a row index outside `source`.
   */
  gather(source: Float32Array, rows: Int32Array, rowLength: number, into: Float32Array): boolean;
  /**
   * The same copy, all of it on the worker, in the background: this thread goes on (and its split
   * products go first) until `join()`. Undefined, having done nothing, while the worker is not ready
   * or busy with another gather ahead, or for more than GATHER_MAX_ROWS rows. Throws RangeError for a
   * row index outside `source`.
   */
  gatherAhead(source: Float32Array, rows: Int32Array, rowLength: number, into: Float32Array): GatherAhead | undefined;
  /** Products, gathers and gathers ahead split so far (for tests and benchmarks). */
  readonly products: number;
  readonly gathers: number;
  readonly gathersAhead: number;
}

/** Throws RangeError unless every row index is inside `source` and `into` holds them all. */
function checkGather(source: Float32Array, rows: Int32Array, rowLength: number, into: Float32Array): void {
  const sourceRows = Math.floor(source.length / rowLength);
  for (const row of rows) {
    if (!(row >= 0 && row < sourceRows)) throw new RangeError(`row ${row} is outside the ${sourceRows} rows`);
  }
  if (into.length < rows.length * rowLength)
    throw new RangeError(`${rows.length} rows do not fit in ${into.length} floats`);
}

/** Starts the worker for products of the library at `libraryPath` (as the main thread loaded it). */
export function startSecondThread(libraryPath: string): SecondThread {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const state = new Int32Array(control, 0, WORDS);
  const args = new Float64Array(control, HALF_ARGS, 14);
  const aheadArgs = new Float64Array(control, AHEAD_ARGS, 3);
  const sharedRows = new Int32Array(new SharedArrayBuffer(GATHER_MAX_ROWS * 4));
  const aheadRows = new Int32Array(new SharedArrayBuffer(GATHER_MAX_ROWS * 4));
  Atomics.store(state, HALF, STARTING);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      control,
      rows: sharedRows.buffer,
      aheadRows: aheadRows.buffer,
      library: libraryPath,
      koffi: createRequire(import.meta.url).resolve("koffi"),
    },
  });
  let stopped = false;
  // A worker that fails to start, or stops, leaves all the work to the main thread.
  worker.on("error", () => {
    stopped = true;
  });
  worker.on("exit", () => {
    stopped = true;
  });
  // Idle, it waits on a futex: it must not keep the process alive.
  worker.unref();
  // Until it has loaded koffi, the process must not exit (see loadingWorkers.ts). Polled: loading
  // takes milliseconds, and the worker's first store is not a notify.
  loadingWorker(
    new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!stopped && Atomics.load(state, HALF) === STARTING) return;
        clearInterval(poll);
        resolve();
      }, 5);
    }),
  );

  const started = () => !stopped && Atomics.load(state, HALF) !== STARTING;
  const ready = () => !stopped && Atomics.load(state, HALF) === IDLE;
  const ring = () => {
    Atomics.add(state, BELL, 1);
    Atomics.notify(state, BELL);
  };
  /** Starts the worker on what `state` and `args` say, runs `mine` here meanwhile, then waits for it. */
  const together = (task: number, mine: () => void) => {
    state[HALF_TASK] = task;
    Atomics.store(state, HALF, BUSY);
    ring();
    mine();
    while (Atomics.load(state, HALF) === BUSY) Atomics.wait(state, HALF, BUSY);
    if (state[HALF_FAILED] !== 0) throw new Error(`the second thread's ${task === PRODUCT ? "sgemm" : "copy"} failed`);
  };
  const address = (t: Float32Array, offset: number) => Number(koffi.address(t)) + offset * FLOAT_BYTES;

  let products = 0;
  let gathers = 0;
  let gathersAhead = 0;
  let lastFailed = 0; // the number of the last gather ahead that failed
  // The last gather ahead's arrays: held here until it is joined or the next one starts (both only
  // once it is done), so that the worker never writes into memory collected meanwhile.
  let aheadCopy: { source: Float32Array; into: Float32Array; rowLength: number } | undefined;
  const aheadDone = () => Atomics.load(state, AHEAD) === IDLE && Atomics.load(state, WORKER_IN_AHEAD) === 0;
  /**
   * Takes and copies the last gather ahead's rows here, a chunk at a time, until none is left: the
   * worker's aheadChunk on this side, claiming from the same counter.
   */
  const copyRest = () => {
    const { source, into, rowLength } = aheadCopy!;
    const count = state[AHEAD_COUNT] as number;
    for (;;) {
      const from = Atomics.add(state, AHEAD_NEXT, AHEAD_CHUNK_ROWS);
      if (from >= count) return;
      const to = Math.min(from + AHEAD_CHUNK_ROWS, count);
      for (let i = from; i < to; i++) {
        const row = (aheadRows[i] as number) * rowLength;
        into.set(source.subarray(row, row + rowLength), i * rowLength);
      }
      if (Atomics.add(state, AHEAD_COPIED, to - from) + to - from === count) {
        Atomics.store(state, AHEAD, IDLE);
        Atomics.notify(state, AHEAD);
      }
    }
  };
  return {
    get products() {
      return products;
    },
    get gathers() {
      return gathers;
    },
    get gathersAhead() {
      return gathersAhead;
    },
    product(sgemm, call) {
      if (!ready()) return false;
      const [order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc] = call;
      const top = Math.floor(m / 2);
      // The second block's rows of op(A): rows of A, or its columns when A is transposed.
      const aOffset = transA === CblasTrans ? top : top * lda;
      const cOffset = top * ldc;
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
      together(PRODUCT, () => sgemm(order, transA, transB, top, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
      products++;
      return true;
    },
    gather(source, rows, rowLength, into) {
      const count = rows.length;
      if (!ready() || count > GATHER_MAX_ROWS) return false;
      checkGather(source, rows, rowLength, into);
      const half = Math.floor(count / 2);
      sharedRows.set(rows);
      args.set([address(source, 0), address(into, 0), rowLength, half, count]);
      together(GATHER, () => {
        for (let i = 0; i < half; i++) {
          const from = (rows[i] as number) * rowLength;
          into.set(source.subarray(from, from + rowLength), i * rowLength);
        }
      });
      gathers++;
      return true;
    },
    gatherAhead(source, rows, rowLength, into) {
      if (!started() || !aheadDone() || rows.length > GATHER_MAX_ROWS) return undefined;
      checkGather(source, rows, rowLength, into);
      aheadRows.set(rows);
      aheadArgs.set([address(source, 0), address(into, 0), rowLength]);
      state[AHEAD_NEXT] = 0;
      state[AHEAD_COPIED] = 0;
      state[AHEAD_COUNT] = rows.length;
      // (The last copy's failure stays with its handle, however late it is joined.)
      if (state[AHEAD_FAILED] !== 0) lastFailed = gathersAhead;
      state[AHEAD_FAILED] = 0;
      aheadCopy = { source, into, rowLength };
      Atomics.store(state, AHEAD, BUSY);
      ring();
      gathersAhead++;
      const number = gathersAhead;
      return {
        join() {
          // (A later gather ahead starts only once this one is done.)
          if (number !== gathersAhead) {
            if (number === lastFailed) throw new Error("the second thread's copy failed");
            return;
          }
          // The rows the worker has not taken yet are copied here: this thread would only wait, and
          // two threads copy rows faster than one.
          copyRest();
          while (Atomics.load(state, AHEAD) === BUSY) Atomics.wait(state, AHEAD, BUSY);
          aheadCopy = undefined;
          if (state[AHEAD_FAILED] !== 0) throw new Error("the second thread's copy failed");
        },
      };
    },
  };
}
