// Property-based: whatever a client sends to a mutation, the answer is a valid result or a clear
// BAD_USER_INPUT — never an internal error — and exactly the valid calls write rows.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { countRows, freshDatabase, gql, startApi, type TestServer } from "./harness.ts";

let databaseUrl: string;
let api: TestServer;

const count = (table: string) => countRows(databaseUrl, table);

// Anything JSON can carry, biased towards the edges of the valid ranges.
const anyValue = fc.oneof(
  fc.integer({ min: -10, max: 10 }),
  fc.integer(),
  fc.constantFrom(0, 1, 8192, 8193, 1_000_000, 1_000_001, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e-9, 0.5, 1, 1.0000001, 1e308),
  fc.string({ maxLength: 5 }),
  // Any code point, NUL included (PostgreSQL's text cannot hold it).
  fc.string({ unit: "binary", maxLength: 5 }),
  fc.constantFrom("\u0000", "a\u0000b"),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const FIELDS = [
  "hiddenSize",
  "learningRate",
  "learningRateDecay",
  "reg",
  "batchSize",
  "numIters",
  "weightScale",
  "seed",
  "seeds",
  "name",
  "requestId",
];
const runInput = fc.dictionary(fc.constantFrom(...FIELDS, "bogus"), anyValue, { maxKeys: 5 });

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  // No trainer: nothing runs, so the row count only changes through startRun itself.
  api = await startApi(databaseUrl, { limits: { maxQueuedRuns: 100_000, startRate: { perMinute: 1e6 } } });
});

describe("fuzzed mutation input", () => {
  it("startRun: a QUEUED run (one per seed) or BAD_USER_INPUT, and the row count follows", async () => {
    // A requestId drawn again with the same input queues nothing: the first one's run answers.
    const requestIds = new Set<unknown>();
    await fc.assert(
      fc.asyncProperty(runInput, async (input) => {
        const before = await count("Run");
        const result = await gql<{ startRun: { status: string } }>(
          api.url,
          `mutation ($input: StartRunInput!) { startRun(input: $input) { status hyperparameters { hiddenSize } } }`,
          { input },
        );
        if (result.data?.startRun) {
          expect(result.errors).toBeUndefined();
          expect(result.data.startRun.status).toBe("QUEUED");
          const { seeds, requestId } = input as { seeds?: unknown; requestId?: unknown };
          const queued = requestIds.has(requestId) ? 0 : Array.isArray(seeds) ? seeds.length : 1;
          if (requestId) requestIds.add(requestId);
          expect(await count("Run")).toBe(before + queued);
        } else {
          expect(result.errors?.length).toBeGreaterThan(0);
          for (const e of result.errors ?? []) expect(e.extensions?.code, e.message).toBe("BAD_USER_INPUT");
          expect(await count("Run")).toBe(before);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it("startSweep: a sweep or BAD_USER_INPUT, never a partial write", async () => {
    const list = fc.array(anyValue, { maxLength: 3 });
    const sweepInput = fc.record({
      space: fc.record({ learningRates: list, hiddenSizes: list, regs: list, learningRateDecays: list }),
      strategy: fc.constantFrom("GRID", "RANDOM", "SUCCESSIVE_HALVING", "bogus"),
      numIters: anyValue,
      batchSize: fc.constantFrom(10, 100, 0),
      maxTrials: anyValue,
      eta: anyValue,
    });
    await fc.assert(
      fc.asyncProperty(sweepInput, async (input) => {
        const before = [await count("Sweep"), await count("Run")];
        const result = await gql<{ startSweep: { trials: unknown[] } }>(
          api.url,
          `mutation ($input: StartSweepInput!) { startSweep(input: $input) { trials { id } } }`,
          { input },
        );
        if (result.data?.startSweep) {
          expect([await count("Sweep"), await count("Run")]).toEqual([
            before[0]! + 1,
            before[1]! + result.data.startSweep.trials.length,
          ]);
        } else {
          for (const e of result.errors ?? []) expect(e.extensions?.code, e.message).toBe("BAD_USER_INPUT");
          expect([await count("Sweep"), await count("Run")]).toEqual(before);
        }
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it("cancelRun, deleteRun, evaluateTest and reproduceRun: arbitrary ids get BAD_USER_INPUT or NOT_FOUND", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.uuid(), fc.base64String()),
        fc.constantFrom(
          "cancelRun(id: $id) { id }",
          "deleteRun(id: $id)",
          "evaluateTest(runId: $id) { id }",
          "reproduceRun(id: $id) { id }",
        ),
        async (id, field) => {
          const result = await gql(api.url, `mutation ($id: ID!) { ${field} }`, { id });
          expect(["BAD_USER_INPUT", "NOT_FOUND"]).toContain(result.errors?.[0]?.extensions?.code);
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });
});
