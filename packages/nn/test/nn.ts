// The whole package, as its tests see it: the pure entry and the engine, data and testing ones.
export * from "../src/data.ts";
export * from "../src/engine.ts";
export * from "../src/index.ts";
export * from "../src/testing.ts";
