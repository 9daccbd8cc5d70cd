// Building a float32 tensor by writing its values where the backend keeps them.
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";

/**
 * A float32 tensor of `shape` whose values `fill` writes. On the WebAssembly backend `fill` writes
 * straight into the tensor's memory on the heap: a training minibatch is 12 MB, and copying it there
 * from a JavaScript array took as long as the rest of the step's elementwise work. Elsewhere `fill`
 * writes a new array that becomes the tensor.
 */
export function fillTensor(shape: number[], fill: (values: Float32Array) => void): tf.Tensor {
  if (tf.getBackend() === "wasm") {
    const backend = tf.backend() as BackendWasm;
    const info = backend.makeOutput(shape, "float32");
    fill(backend.typedArrayFromHeap(info) as Float32Array);
    return tf.engine().makeTensorFromTensorInfo(info);
  }
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  fill(values);
  return tf.tensor(values, shape, "float32");
}
