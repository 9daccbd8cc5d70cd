// The pure part of the package: hyperparameters and their rules, search spaces and schedules, the
// memory estimate, the CLI frame. Nothing here loads TensorFlow.js or a native library, so the API
// can use it; training is in `@trainql/nn/engine`, the data set in `@trainql/nn/data`.

export { BACKEND_NAMES, type BackendName, stepsOnHostThread, trainsOnGpu } from "./backend/backendNames.ts";
export { countFlag, parseFlags, runCli, scriptFlags, UsageError } from "./cli/runCli.ts";
export { CLASS_NAMES, howToGetData, NUM_CLASSES, PIXELS_PER_IMAGE } from "./data/cifar10.ts";
export * from "./metrics/confusionMatrix.ts";
export * from "./metrics/mistakes.ts";
export * from "./search/searchSpace.ts";
export * from "./search/successiveHalving.ts";
export * from "./search/sweepRules.ts";
export * from "./training/hyperparameters.ts";
export * from "./training/memory.ts";
export type { EpochMetrics } from "./training/train.ts";
export * from "./validation/index.ts";
