// Run by webgpu.test.ts in a process of its own (node --expose-gc): switches between the WebGPU and
// WebAssembly backends with a read from the GPU still in flight at each switch, collecting garbage
// after each, as a trainer on a flaky device or a test file does. It ends on a live WebGPU device,
// without process.exit: it prints and exits 0 only if it lived through all of that and Node let it
// end. A Dawn instance freed under pending work aborts the process instead.
import { setTimeout as sleep } from "node:timers/promises";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "./nn.ts";
import { useSwiftShader } from "./swiftshader.ts";

const SWITCHES = 12;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

useSwiftShader();
let aborted = 0;
for (let i = 0; i < SWITCHES; i++) {
  await initBackend("webgpu");
  const x = tf.fill([256], i);
  // Not awaited: its staging buffer is being mapped when the switch comes, which aborts the read.
  const read = x.data().then(
    () => {},
    () => void aborted++,
  );
  x.dispose();
  await initBackend("wasm");
  await read;
  gc();
  await sleep(2);
  gc();
}
await initBackend("webgpu");
console.log(`lived through ${SWITCHES} switches, ${aborted} with a read in flight`);
