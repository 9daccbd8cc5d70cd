// Run by webgpu.test.ts in a process of its own (node --expose-gc): switches between the WebGPU and
// WebAssembly backends with a read from the GPU still in flight at each switch, collecting garbage
// after each, as a trainer on a flaky device or a test file does. Exits 0 only if it lived through
// all of them; a Dawn instance freed under pending work aborts the process instead.
import { setTimeout as sleep } from "node:timers/promises";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend, releaseWebgpu } from "./nn.ts";
import { useSwiftShader } from "./swiftshader.ts";

const SWITCHES = 12;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

useSwiftShader();
for (let i = 0; i < SWITCHES; i++) {
  await initBackend("webgpu");
  const x = tf.fill([256], i);
  // Not awaited: its staging buffer is being mapped when the switch comes (and the read is aborted).
  x.data().catch(() => {});
  x.dispose();
  await initBackend("wasm");
  gc();
  await sleep(2);
  gc();
}
await releaseWebgpu();
console.log(`lived through ${SWITCHES} switches`);
