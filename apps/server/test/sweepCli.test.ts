// `pnpm sweep` end to end: its own API and trainer process on a fresh database and a tiny data set.
import { execFile } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { freshDatabase, startApi, startTrainer, TINY_RECORDS, tinyDataset } from "./harness.ts";

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

/** A port that was free a moment ago, so nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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
    // A rule about two flags names them, not the API's fields.
    expect(range.stderr).toContain(
      "--strategy grid runs every combination of listed values, and a range has none: list the --lr to try, or use --strategy random or --strategy halving",
    );
    const random = await sweepCli(["--lr", "0.1", "--hidden", "8", "--reg", "0", "--strategy", "random"], {});
    expect(random.stderr).toContain("--strategy random needs --max-trials: how many combinations to sample");
    const logOfZero = await sweepCli(["--lr", "0.1", "--hidden", "8", "--reg", "0..1e-3", "--strategy", "random"], {});
    expect(logOfZero.stderr).toContain("--reg min must be above 0 on a LOG scale");
    const flags = ["--lr", "0.1", "--hidden", "8", "--reg", "0"];
    const noTrainers = await sweepCli([...flags, "--trainers", "0"], {});
    expect([noTrainers.code, noTrainers.stderr]).toEqual([
      2,
      expect.stringContaining("--trainers must be an integer ≥ 1; got 0"),
    ]);
    const bareHost = await sweepCli([...flags, "--api", "127.0.0.1:4000"], {});
    expect(bareHost.stderr).toContain(
      '--api must be an http(s) URL, e.g. http://127.0.0.1:4000/graphql; got "127.0.0.1:4000"',
    );
    const ownFlag = await sweepCli([...flags, "--api", "http://127.0.0.1:9/graphql", "--trainers", "2"], {});
    expect(ownFlag.stderr).toContain("--trainers is for a system of this command's own: leave it out with --api");
  });

  it("says when the API it was sent to is not there", async () => {
    const flags = ["--lr", "0.1", "--hidden", "8", "--reg", "0"];
    // A port nothing listens on. It printed "TypeError: fetch failed".
    const port = await closedPort();
    const gone = await sweepCli([...flags, "--api", `http://127.0.0.1:${port}/graphql`], {});
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(
      `cannot reach the API at http://127.0.0.1:${port}/graphql (ECONNREFUSED): start it (pnpm start), or leave out --api`,
    );
  });

  it("sends TRAINQL_API_TOKEN to an API with tokens, over HTTP and graphql-ws", async () => {
    // As an API off loopback must be. Without the variable there was no way to send one.
    const databaseUrl = await freshDatabase();
    const api = await startApi(databaseUrl, { access: { tokens: ["sweep-cli-secret"], publicQueries: true } });
    const trainer = await startTrainer(databaseUrl, await tinyDataset());
    try {
      const flags = ["--lr", "0.1", "--hidden", "8", "--reg", "0", "--iters", "20", "--batch", "20", "--api", api.url];
      const refused = await sweepCli(flags, {});
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/error: .*token/i);
      const { code, stdout, stderr } = await sweepCli([...flags, "--json"], { TRAINQL_API_TOKEN: "sweep-cli-secret" });
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout.trim().split("\n").at(-1)!).status).toBe("SUCCEEDED");
    } finally {
      await trainer.stop();
    }
  });
});
