// The CIFAR-10 data set: reading, preprocessing, downloading.
export * from "./data/cifar10.ts";
export * from "./data/dataset.ts";
export * from "./data/download.ts";
