// Training: the backends, the model, the loop, checkpoints and weight images (loads TensorFlow.js).
export * from "./backend/backend.ts";
export * from "./backend/webgpu.ts";
export * from "./checkpoint/checkpoint.ts";
export * from "./model/twoLayerNet.ts";
export * from "./training/minibatches.ts";
export * from "./training/train.ts";
export * from "./visualize/mistakeExamples.ts";
export * from "./visualize/weightsImage.ts";
