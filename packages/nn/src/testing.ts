// For tests and benchmarks of any package: a CIFAR-10 of any size, generated.
export * from "./data/syntheticCifar10.ts";
