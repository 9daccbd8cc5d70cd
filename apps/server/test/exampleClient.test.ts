// The example client's command line: a value that is no number is refused by name, before any request
// (JSON has no NaN: "abc" went out as null, which the API takes as "not given", and the run trained
// the default hidden size without a word). Its runs against a live API: faults.test.ts.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

async function startRunCli(args: string[]) {
  try {
    await run(process.execPath, ["--import", "tsx", "startRun.ts", ...args], {
      cwd: path.resolve(import.meta.dirname, "../../../examples"),
      // (Nothing listens there: a request would fail differently.)
      env: { ...process.env, TRAINQL_API: "http://127.0.0.1:1/graphql" },
      timeout: 60_000,
    });
    return { code: 0, stderr: "" };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe("examples/startRun.ts", () => {
  it("refuses a value that is no number, or a flag it does not know, naming it", async () => {
    expect(await startRunCli(["--hidden", "abc"])).toEqual({
      code: 2,
      stderr: expect.stringContaining('--hidden must be a number; got "abc"'),
    });
    expect(await startRunCli(["--momentum", "0.9"])).toEqual({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--momentum'"),
    });
  });
});
