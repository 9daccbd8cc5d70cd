import { adviseHugePages, adviseHugePagesForWasmMemory } from "./src/backend/hugePages.ts";
import { loadBlas } from "./src/backend/openBlas.ts";

const blas = loadBlas();
const N = 1000,
  D = 3072,
  H = 128;
function bench(label: string, X: Float32Array, W: Float32Array, out: Float32Array, dH: Float32Array, dW: Float32Array) {
  X.fill(0.3);
  W.fill(0.001);
  dH.fill(0.01);
  const f = () => blas.sgemm(101, 111, 111, N, H, D, 1, X, D, W, H, 0, out, H);
  const b = () => blas.sgemm(101, 112, 111, D, H, N, 1, X, D, dH, H, 0, dW, H);
  const med = (fn: () => void) => {
    fn();
    const t: number[] = [];
    for (let i = 0; i < 40; i++) {
      const s = performance.now();
      fn();
      t.push(performance.now() - s);
    }
    t.sort((a, c) => a - c);
    return t[20]!.toFixed(2);
  };
  console.log(label, "fwd", med(f), "bwd", med(b));
}
const js = () =>
  [
    new Float32Array(N * D),
    new Float32Array(D * H),
    new Float32Array(N * H),
    new Float32Array(N * H),
    new Float32Array(D * H),
  ] as const;
const [a, b2, c, d, e] = js();
bench("js plain", a, b2, c, d, e);
const [a2, b3, c2, d2, e2] = js();
for (const x of [a2, b3, c2, d2, e2]) adviseHugePages(x);
bench("js huge ", a2, b3, c2, d2, e2);
const mem = new WebAssembly.Memory({ initial: 1024 });
const heap = new Float32Array(mem.buffer);
let off = 16;
const take = (n: number) => {
  const v = heap.subarray(off, off + n);
  off += n + 4;
  return v;
};
bench("wasm nohuge", take(N * D), take(D * H), take(N * H), take(N * H), take(D * H));
const mem2 = new WebAssembly.Memory({ initial: 1024 });
const heap2 = new Float32Array(mem2.buffer);
adviseHugePagesForWasmMemory(heap2);
off = 16;
const take2 = (n: number) => {
  const v = heap2.subarray(off, off + n);
  off += n + 4;
  return v;
};
bench("wasm huge", take2(N * D), take2(D * H), take2(N * H), take2(N * H), take2(D * H));
bench("js plain again", a, b2, c, d, e);
