// The system's BLAS (OpenBLAS, or any library with the CBLAS interface), called through koffi.
//
// Why this route: the WebAssembly backend multiplies matrices on one thread at ~20 GFLOP/s, a tenth
// of what these CPUs do. OpenBLAS is the GEMM NumPy uses, tuned for each CPU and multithreaded, and it
// is one `apt install libopenblas0-pthread` away on Debian/Ubuntu (`brew install openblas` on macOS).
// koffi (a maintained FFI with prebuilt binaries published on npm) calls it with no compiler and no
// download, and passes typed arrays as raw pointers, so GEMM reads and writes the tensors where they
// live (the WebAssembly heap) without a copy.
import os from "node:os";
import type * as Koffi from "koffi";
import koffi from "koffi";
import type { SgemmArgs } from "./cblas.ts";
import { chooseOpenBlasCore } from "./openBlasCore.ts";
import { type GatherAhead, type SecondThread, startSecondThread } from "./secondThread.ts";

export type { GatherAhead };

export interface Blas {
  /**
   * C ← alpha · op(A) · op(B) + beta · C, row-major, float32: the CBLAS `cblas_sgemm`, on one thread
   * when the product is skinny (see productThreads), cut in two row blocks on two threads when it is
   * not skinny and the library has two (see splitsProduct), else on all of the library's threads.
   */
  sgemm(...args: SgemmArgs): void;
  /** y ← alpha · op(A) · x + beta · y, row-major, float32: the CBLAS `cblas_sgemv`. */
  sgemv(
    order: number,
    trans: number,
    m: number,
    n: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    x: Float32Array,
    incx: number,
    beta: number,
    y: Float32Array,
    incy: number,
  ): void;
  /** x · y over n floats (strides incx, incy): the CBLAS `cblas_sdot`. */
  sdot(n: number, x: Float32Array, incx: number, y: Float32Array, incy: number): number;
  /**
   * Row i of `into` ← row rows[i] of `source` (each `rowLength` floats), half of the rows copied on a
   * second thread (secondThread.ts) where products are split too (see splitsProduct); false, having
   * done nothing, where not, or while that thread starts (then copy them yourself).
   */
  gatherRows(source: Float32Array, rows: Int32Array, rowLength: number, into: Float32Array): boolean;
  /**
   * The same copy, all of it on the second thread, in the background until `join()` (see
   * secondThread.ts): for the next minibatch, while this thread runs the step. Undefined, having done
   * nothing, where gatherRows would return false, or while another such copy is under way.
   */
  gatherRowsAhead(
    source: Float32Array,
    rows: Int32Array,
    rowLength: number,
    into: Float32Array,
  ): GatherAhead | undefined;
  /** How many products ran cut in two row blocks (see splitsProduct), for tests and benchmarks. */
  readonly splitProducts: number;
  /** How many gatherRows calls ran on two threads. */
  readonly splitGathers: number;
  /** How many gatherRowsAhead calls started. */
  readonly gathersAhead: number;
  /** The library, in words (e.g. "OpenBLAS 0.3.21 (Cooperlake kernels), 2 threads"). */
  description: string;
  threads: number;
}

export class BlasUnavailableError extends Error {
  override name = "BlasUnavailableError";
}

const CANDIDATES =
  process.platform === "darwin"
    ? [
        "libopenblas.dylib",
        "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
        "/usr/local/opt/openblas/lib/libopenblas.dylib",
      ]
    : ["libopenblas.so.0", "libopenblas.so"];

const INSTALL_HELP =
  "Install OpenBLAS for native-speed training (Debian/Ubuntu: `apt install libopenblas0-pthread`; " +
  "Fedora: `dnf install openblas`; macOS: `brew install openblas`), or point TRAINQL_BLAS at another CBLAS library " +
  "(MKL's libmkl_rt.so, BLIS's libblis.so.4).";

/** Which BLAS to load and how: the processes read these from TRAINQL_BLAS and TRAINQL_BLAS_THREADS. */
export interface BlasOptions {
  /** A CBLAS library's path (MKL's libmkl_rt.so, BLIS's libblis.so.4), or "off"; default: OpenBLAS where it usually is. */
  library?: string;
  /**
   * BLAS threads; default one per core. A trainer runs its concurrent runs on one JavaScript thread,
   * so their products never overlap and all cores serve each in turn; several trainer processes on one
   * machine should split the cores.
   */
  threads?: number;
}

function open(configured: string | undefined): { lib: Koffi.LibraryHandle; path: string; chosenCore?: string } {
  const tried: string[] = [];
  for (const path of configured ? [configured] : CANDIDATES) {
    try {
      // (Before the load: the library picks its kernels once, as it loads.)
      const chosenCore = chooseOpenBlasCore(path);
      return { lib: koffi.load(path), path, chosenCore };
    } catch (error) {
      tried.push(`${path} (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`);
    }
  }
  throw new BlasUnavailableError(`no BLAS library could be loaded (tried ${tried.join("; ")}). ${INSTALL_HELP}`);
}

let loaded: Blas | undefined;

/** A product with a dimension under this many runs on one thread (see productThreads). */
const SKINNY = 32;

/**
 * How many of the `threads` a product of m × k by k × n gets. Splitting a skinny one (the classes'
 * H × 10 products of every step; all of them at H < 32) costs more than it saves: measured with
 * OpenBLAS 0.3.21 on 2 cores, 1000 × 10 from H = 128 took 45 µs on one thread against 84 µs on two,
 * the three such products of a step at H = 512 0.49 ms against 0.93 ms, and 1000 × 16 from 3,072
 * (a step's big products at H = 16) 1.1 ms against 1.7 ms; from 128 on, two threads win (1000 × 128
 * from 3,072: 3.3 ms against 4.8 ms). And a split product waits for its slowest thread: with another
 * process busy on the other core, the 1000 × 10 product at H = 512 once took 16 ms on two threads.
 */
export const productThreads = (m: number, n: number, k: number, threads: number) =>
  Math.min(m, n, k) < SKINNY ? 1 : threads;

/**
 * Whether a product of m × k by k × n runs cut in two blocks of rows, one on each of two threads
 * (secondThread.ts), rather than on the library's own threads: with exactly two threads, for products
 * that are not skinny.
 */
export const splitsProduct = (m: number, n: number, k: number, threads: number) =>
  threads === 2 && productThreads(m, n, k, threads) === 2;

/** Loads the BLAS once per process, or throws BlasUnavailableError saying why and what to install. */
export function loadBlas(options: BlasOptions = {}): Blas {
  if (loaded) return loaded;
  if (options.library === "off") throw new BlasUnavailableError("TRAINQL_BLAS=off turns the native BLAS off");
  // OpenBLAS's worker threads spin for a while after a product before they sleep, and waking them
  // costs more than small products do: measured here, the H × 10 products of a step took 3× longer
  // with the library's default than with 2^26 cycles (~25 ms, longer than any gap within a step,
  // short enough that an idle trainer stops spinning at once). Read once, when the library loads.
  // (OpenBLAS reads its own settings from the environment; this and OPENBLAS_CORETYPE in
  // openBlasCore.ts are the library's, set for it, not ours read from the user.)
  process.env.OPENBLAS_THREAD_TIMEOUT ??= "26";
  const { lib, path, chosenCore } = open(options.library);
  let cblasSgemm: Blas["sgemm"];
  let sgemv: Blas["sgemv"];
  let sdot: Blas["sdot"];
  try {
    cblasSgemm = lib.func(
      "void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, " +
        "const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)",
    ) as Blas["sgemm"];
    sgemv = lib.func(
      "void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float *a, int lda, " +
        "const float *x, int incx, float beta, float *y, int incy)",
    ) as Blas["sgemv"];
    sdot = lib.func("float cblas_sdot(int n, const float *x, int incx, const float *y, int incy)") as Blas["sdot"];
  } catch {
    throw new BlasUnavailableError(`${path} loaded but lacks cblas_sgemm, cblas_sgemv or cblas_sdot. ${INSTALL_HELP}`);
  }
  const optional = (signature: string) => {
    try {
      return lib.func(signature);
    } catch {
      return undefined;
    }
  };
  const threads = options.threads ?? os.availableParallelism();
  const setThreads = optional("void openblas_set_num_threads(int n)") as ((n: number) => void) | undefined;
  setThreads?.(threads);
  // (Another CBLAS without that function gets every product on its own thread count, unsplit.)
  let current = threads;
  const useThreads = (wanted: number) => {
    if (setThreads && wanted !== current) {
      setThreads(wanted);
      current = wanted;
    }
  };
  // (Started on the first split product or gather; until it is ready, the work is done as if there
  // were none.)
  let second: SecondThread | undefined;
  /**
   * The second thread for gathers, only where products are split too: with the library's own threads
   * running products, they spin for a while after each (OPENBLAS_THREAD_TIMEOUT above) and hold the
   * other core; a gather split then waited for it (H = 512 before its products were split: 3.0 ms on
   * two threads against 2.5 on one, where at H = 128 it went from 2.3 to 1.6 ms inside training).
   */
  const gatherer = (): SecondThread | undefined => {
    if (!setThreads || threads !== 2) return undefined;
    second ??= startSecondThread(path);
    return second;
  };
  const sgemm: Blas["sgemm"] = (...args) => {
    const [, , , m, n, k] = args;
    if (setThreads && splitsProduct(m, n, k, threads)) {
      second ??= startSecondThread(path);
      useThreads(1);
      if (second.product(cblasSgemm, args)) return;
    }
    useThreads(productThreads(m, n, k, threads));
    cblasSgemm(...args);
  };
  const version = (optional("const char *openblas_get_config()")?.() as string | undefined)?.match(
    /^OpenBLAS \S+/,
  )?.[0];
  const core = optional("const char *openblas_get_corename()")?.() as string | undefined;
  const chosen = chosenCore ? `, chosen by TrainQL: the library does not know this CPU` : "";
  const name = version ? `${version}${core ? ` (${core} kernels${chosen})` : ""}` : path;
  loaded = {
    sgemm,
    sgemv,
    sdot,
    threads,
    gatherRows(source, rows, rowLength, into) {
      return gatherer()?.gather(source, rows, rowLength, into) ?? false;
    },
    gatherRowsAhead(source, rows, rowLength, into) {
      return gatherer()?.gatherAhead(source, rows, rowLength, into);
    },
    get splitProducts() {
      return second?.products ?? 0;
    },
    get splitGathers() {
      return second?.gathers ?? 0;
    },
    get gathersAhead() {
      return second?.gathersAhead ?? 0;
    },
    description: `${name}, ${threads} thread${threads === 1 ? "" : "s"}`,
  };
  return loaded;
}
