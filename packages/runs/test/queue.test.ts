import { expect, it } from "vitest";
import { parsePayload, TASK } from "../src/queue.ts";

it("checks a job's payload when its task starts, saying what is wrong", () => {
  const runId = "0b7c6a4e-8d1e-4b5e-9a3c-2f1d0e9c8b7a";
  expect(parsePayload(TASK.train, { runId })).toEqual({ runId });
  expect(() => parsePayload(TASK.train, { runID: runId })).toThrow(/a "train" job's payload .* is invalid: .*runId/s);
  expect(() => parsePayload(TASK.evaluate, { runId: "7" })).toThrow(/UUID/i);
  expect(() => parsePayload(TASK.advanceSweep, null)).toThrow(/"advance-sweep" job's payload null is invalid/);
});
