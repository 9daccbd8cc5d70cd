// Transparent huge pages for the memory the matrix products read: the WebAssembly heap (where the
// minibatch and the parameters live) and the data sets the minibatches are sampled from.
//
// Why: a product over a 12 MB minibatch walks ~3,000 pages of 4 KiB, more than the CPU's TLB holds,
// so GEMM's packing loops miss the TLB again and again; with 2 MiB pages it is 6. Linux gives huge
// pages only to memory that asks for them (`transparent_hugepage=madvise`, the usual default), and
// NumPy asks for every array of 4 MB or more, which is part of why its loop was faster than ours.
// Measured here, NumPy's own sample + forward + backward at H = 128: 11.5–15.1 ms without huge
// pages, 8.0–9.3 ms with them.
//
// The advice only marks address ranges; pages get huge as they are first touched, so advise before
// filling. Linux only; elsewhere, or when libc cannot be called, it does nothing.
import koffi from "koffi";

const MADV_HUGEPAGE = 14;
const HUGE_PAGE = 2 * 1024 * 1024;

interface Libc {
  /** memmove(p, p, 0) returns p: the address of a typed array's memory, which koffi passes as is. */
  addressOf(view: ArrayBufferView, same: ArrayBufferView, bytes: 0): number;
  madvise(address: number, bytes: number, advice: number): number;
}

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux") return libc;
  try {
    const lib = koffi.load("libc.so.6");
    libc = {
      addressOf: lib.func("uintptr_t memmove(void *dst, void *src, size_t n)") as Libc["addressOf"],
      madvise: lib.func("int madvise(uintptr_t addr, size_t len, int advice)") as Libc["madvise"],
    };
  } catch {
    // (musl or another libc without that name: no advice, only 4 KiB pages.)
  }
  return libc;
}

/**
 * Asks for huge pages on the whole 2 MiB pages inside `bytes` bytes from the start of `view` (its
 * own length by default). Returns whether the kernel took the advice.
 */
export function adviseHugePages(view: ArrayBufferView, bytes = view.byteLength): boolean {
  const c = loadLibc();
  if (!c || bytes < HUGE_PAGE) return false;
  const start = c.addressOf(view, view, 0);
  const first = Math.ceil(start / HUGE_PAGE) * HUGE_PAGE;
  const end = Math.floor((start + bytes) / HUGE_PAGE) * HUGE_PAGE;
  return end > first && c.madvise(first, end - first, MADV_HUGEPAGE) === 0;
}

/** The most a 32-bit WebAssembly memory can grow to. */
const WASM32_MAX_BYTES = 2 ** 32;

/**
 * Huge pages for a WebAssembly memory, including what it grows into later: V8 reserves the address
 * range a 32-bit memory can grow to up front and grows it in place, and the advice on the reserved
 * range carries over to the pages growth makes accessible. (Only the reserved part is marked when the
 * reservation is smaller; the call still succeeds for it.)
 */
export function adviseHugePagesForWasmMemory(heap: ArrayBufferView): boolean {
  const c = loadLibc();
  if (!c) return false;
  // (The heap starts on a page boundary, as madvise wants. It answers ENOMEM for a range past the
  // reservation after marking what is mapped: not a failure here.)
  c.madvise(c.addressOf(heap, heap, 0), WASM32_MAX_BYTES, MADV_HUGEPAGE);
  return true;
}
