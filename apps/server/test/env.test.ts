// Settings are parsed once per process against one schema; a bad value stops start-up with the
// variable's name, what it must be and what it was — all bad variables at once.

import { DEFAULT_LEASE } from "@trainql/runs/env";
import { readTrainerEnv } from "@trainql/trainer/env";
import { expect, it } from "vitest";
import { readApiEnv } from "../src/env.ts";
import { DEFAULT_LIMITS } from "../src/limits.ts";

it("gives every unset variable its default, from the one home of each default", () => {
  const env = readApiEnv({});
  expect(env.PORT).toBe(4000);
  expect(env.DATABASE_URL).toBeUndefined();
  expect(env.TRAINER_TIMEOUT_MS).toBe(DEFAULT_LEASE.timeoutMs);
  expect(env.MAX_QUEUED_RUNS).toBe(DEFAULT_LIMITS.maxQueuedRuns);
  expect(env.START_RUNS_PER_MINUTE).toBe(DEFAULT_LIMITS.startRate.perMinute);
  expect(env.API_TOKEN).toEqual([]);
  const trainer = readTrainerEnv({ CIFAR10_DIR: "" }); // empty counts as unset
  expect(trainer.CIFAR10_DIR).toBeUndefined();
  expect(trainer.TRAINER_TIMEOUT_MS).toBe(env.TRAINER_TIMEOUT_MS); // one timeout for API and trainers
  expect(trainer.TRAIN_BACKEND).toBe("auto");
  expect(trainer.TRAINER_NICE).toBe(10);
  expect(trainer.EPOCH_ARTIFACTS_PERCENT).toBe(2);
});

it("parses what is set", () => {
  const env = readApiEnv({ PORT: "0", API_TOKEN: " a, b ,", TRAINQL_ALLOWED_ORIGINS: "https://x.example" });
  expect(env.PORT).toBe(0);
  expect(env.API_TOKEN).toEqual(["a", "b"]);
  expect(env.TRAINQL_ALLOWED_ORIGINS).toEqual(["https://x.example"]);
  expect(readTrainerEnv({ TRAIN_BACKEND: "webgpu", CHECKPOINT_INTERVAL_S: "0" })).toMatchObject({
    TRAIN_BACKEND: "webgpu",
    CHECKPOINT_INTERVAL_S: 0,
  });
});

it("names every bad variable, what it must be and what it was", () => {
  expect(() => readApiEnv({ PORT: "eighty", RUN_MAX_ATTEMPTS: "0", DATABASE_URL: "mysql://x" })).toThrow(
    [
      "Invalid environment:",
      '  DATABASE_URL must be a postgresql:// URL; got "mysql://x"',
      '  RUN_MAX_ATTEMPTS must be an integer ≥ 1; got "0"',
      '  PORT must be an integer ≥ 0; got "eighty"',
    ].join("\n"),
  );
  expect(() => readTrainerEnv({ TRAIN_BACKEND: "cuda" })).toThrow(
    /TRAIN_BACKEND must be auto or one of node-gpu, webgpu, node, wasm, cpu; got "cuda"/,
  );
  expect(() => readTrainerEnv({ TRAINER_NICE: "20" })).toThrow(
    /TRAINER_NICE must be an integer from 0 to 19; got "20"/,
  );
  expect(() => readTrainerEnv({ EPOCH_ARTIFACTS_PERCENT: "0" })).toThrow(
    /EPOCH_ARTIFACTS_PERCENT must be an integer from 1 to 100; got "0"/,
  );
});
