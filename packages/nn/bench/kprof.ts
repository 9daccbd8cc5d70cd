import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../src/backend/backend.ts";

await initBackend("wasm");
const H = Number(process.argv[2] ?? 512);
const X = tf.randomNormal([1000, 3072]),
  W = tf.randomNormal([3072, H]),
  b = tf.randomNormal([H]),
  dH = tf.randomNormal([1000, H]);
function time(label: string, f: () => tf.Tensor) {
  for (let i = 0; i < 2; i++) f().dispose();
  const t = performance.now();
  let n = 0;
  while (performance.now() - t < 1500) {
    f().dispose();
    n++;
  }
  console.log(label.padEnd(28), ((performance.now() - t) / n).toFixed(2), "ms");
}
time("matMul X W", () => tf.matMul(X, W));
time("fused X W +b relu", () => tf.fused.matMul({ a: X, b: W, bias: b, activation: "relu" }));
time("fused X W +b", () => tf.fused.matMul({ a: X, b: W, bias: b }));
time("matMul X^T dH", () => tf.matMul(X, dH, true));
time("relu(dH)", () => tf.relu(dH));
time("add(W, W)", () => tf.add(W, W));
time("mul(s, W)", () => tf.mul(0.5, W));
time("sum(square(W))", () => tf.sum(tf.square(W)));
time("sum(W)", () => tf.sum(W));
time("sum(dH,0)", () => tf.sum(dH, 0));
time("square(W)", () => tf.square(W));
time("mul(W,W)", () => tf.mul(W, W));
time("sum(mul(W,W))", () => tf.sum(tf.mul(W, W)));
time("step(dH)", () => tf.step(dH));
time("sub(W, mul(s,W))", () => tf.sub(W, tf.mul(0.01, W)));
