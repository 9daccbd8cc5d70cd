// `pnpm sweep` end to end: its own API and trainer process on a fresh database and a tiny data set.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freshDatabase, TINY_RECORDS, tinyDataset } from "./harness.ts";

const run = promisify(execFile);
const serverRoot = path.resolve(import.meta.dirname, "..");

async function sweepCli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "src/cli/sweep.ts", ...args], {
      cwd: serverRoot,
      env: { ...process.env, TRAIN_BACKEND: "wasm", ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("pnpm sweep", () => {
  it("runs successive halving over a range and prints the results table and one JSON summary as the last line", async () => {
    const env = { DATABASE_URL: await freshDatabase(), CIFAR10_DIR: await tinyDataset() };
    const args = [
      "--lr",
      "0.02..0.6",
      "--max-trials",
      "8",
      "--hidden",
      "8,16",
      "--reg",
      "1e-3",
      "--strategy",
      "halving",
      "--eta",
      "2",
    ];
    const { code, stdout, stderr } = await sweepCli(
      [...args, "--iters", "160", "--batch", "20", "--records-per-batch", String(TINY_RECORDS), "--json"],
      env,
    );
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(summary.status).toBe("SUCCEEDED");
    expect(summary.trials).toHaveLength(8);
    // Drawn from the range: eight learning rates, each within it.
    const lrs: number[] = summary.trials.map((t: { learningRate: number }) => t.learningRate);
    expect(new Set(lrs).size).toBe(8);
    expect(lrs.every((lr) => lr >= 0.02 && lr <= 0.6)).toBe(true);
    expect(summary.gridIters).toBe(8 * 160);
    expect(summary.itersSpent).toBeLessThan(summary.gridIters / 2);
    expect(summary.best).toMatchObject({
      runId: expect.any(String),
      valAcc: expect.any(Number),
      testAcc: expect.any(Number),
    });
    for (const key of ["hiddenSize", "learningRate", "reg", "learningRateDecay"])
      expect(typeof summary.best[key]).toBe("number");
    // The best is the trial with the highest validation accuracy among those trained fully.
    const full = summary.trials.filter((t: { iterations: number }) => t.iterations === 160);
    expect(summary.best.valAcc).toBe(Math.max(...full.map((t: { valAcc: number }) => t.valAcc)));
    expect(stderr).toMatch(/\| rank \| lr \| hidden \| reg \| decay \| iterations \| val acc \| status \|/);
    expect(stderr).toMatch(/every trial trained in full would train 1,280/);
  });

  it("answers bad flags with a usage error", async () => {
    const { code, stderr } = await sweepCli(["--lr", "0.1,x", "--hidden", "8", "--reg", "0"], {});
    expect(code).toBe(2);
    expect(stderr).toContain('--lr must be a comma-separated list of numbers; got "0.1,x"');
    const strategy = await sweepCli(["--lr", "0.1", "--hidden", "8", "--reg", "0", "--strategy", "bayes"], {});
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toContain('--strategy must be grid, random or halving; got "bayes"');
    const range = await sweepCli(["--lr", "1e-3..1e-1", "--hidden", "8", "--reg", "0"], {});
    expect(range.code).toBe(2);
    expect(range.stderr).toContain("GRID runs every combination of listed values, and a range has none");
    const logOfZero = await sweepCli(["--lr", "0.1", "--hidden", "8", "--reg", "0..1e-3", "--strategy", "random"], {});
    expect(logOfZero.stderr).toContain("--reg min must be above 0 on a LOG scale");
  });
});
