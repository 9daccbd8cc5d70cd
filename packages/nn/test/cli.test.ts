import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLASS_NAMES } from "../src/data/cifar10.ts";
import { HYPERPARAMETER_NAMES, HYPERPARAMETERS, type Hyperparameters } from "../src/training/hyperparameters.ts";
import { TINY_RECORDS, tempDir, tinyCifar10 } from "./fixtures.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const tsx = path.join(root, "node_modules/.bin/tsx");

async function cli(script: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(tsx, [path.join(root, "src/cli", script), ...args], {
      env: { ...process.env, TRAIN_BACKEND: "wasm", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("pnpm bench's flags", () => {
  // It runs from the top (scriptFlags): --help crashed with a stack trace, and --rounds 0 ran.
  const bench = (args: string[]) => cli("../../bench/trainStep.ts", args);

  it("prints its usage for --help, and refuses a bad flag or value with it, before any work", async () => {
    const help = await bench(["--help"]);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining("Usage: pnpm bench -- [options]")]);
    for (const [args, message] of [
      [["--rounds", "0"], "--rounds must be an integer ≥ 1; got 0"],
      [["--hidden", "512,x"], '--hidden must be a comma-separated list of numbers; got "512,x"'],
      [["--only", "all"], '--only takes step or run; got "all"'],
      [["--warmup"], "Unknown option '--warmup'"],
    ] as const) {
      const refused = await bench([...args]);
      expect([refused.code, refused.stderr], args.join(" ")).toEqual([
        2,
        expect.stringContaining(`error: ${message}\n\nUsage: pnpm bench`),
      ]);
    }
  });
});

describe("pnpm train", () => {
  it("trains and prints one JSON summary as the last line of stdout", async () => {
    const dir = await tinyCifar10(6);
    const args = ["--data-dir", dir, "--records-per-batch", String(TINY_RECORDS), "--hidden", "12", "--iters", "30"];
    const { code, stdout, stderr } = await cli("train.ts", [
      ...args,
      "--batch",
      "40",
      "--lr",
      "0.3",
      "--reg",
      "1e-4",
      "--test",
      "--json",
    ]);
    expect(code, stderr).toBe(0);
    const summary = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({
      backend: "wasm",
      hiddenSize: 12,
      iterations: 30,
      batchSize: 40,
      learningRate: 0.3,
    });
    for (const key of ["finalLoss", "valAcc", "testAcc", "trainMs", "msPerIter"])
      expect(typeof summary[key]).toBe("number");
    expect(stderr).toMatch(/epoch 0 it 0\/30: loss/);
    // The last epoch's accuracies, with the iteration they were measured at: the last epoch line's.
    const { iteration, trainAcc, valAcc } = summary.lastEpoch;
    const pct = (a: number) => `${(a * 100).toFixed(2)}%`;
    const epochLines = stderr.split("\n").filter((line) => /^epoch \d+ it /.test(line));
    expect(epochLines.length).toBeGreaterThan(1);
    expect(epochLines.at(-1)).toMatch(
      new RegExp(`it ${iteration}/30: loss \\S+, train ${pct(trainAcc)}, val ${pct(valAcc)},`),
    );
    expect(stderr).toContain("done: 30 iterations");
    // Per class, the classes of the data set's labels, in label order.
    expect(Object.keys(summary.valClassAccuracy)).toEqual([...CLASS_NAMES]);
    for (const acc of Object.values(summary.valClassAccuracy)) expect(acc === null || (acc as number) <= 1).toBe(true);
    expect(stderr).toMatch(/val accuracy per class: airplane (\d+\.\d%|—), automobile /);
  });

  it("reports testAcc as null without --test", async () => {
    const dir = await tinyCifar10(7);
    const { stdout } = await cli("train.ts", [
      "--data-dir",
      dir,
      "--records-per-batch",
      "100",
      "--iters",
      "2",
      "--batch",
      "10",
      "--json",
    ]);
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!).testAcc).toBeNull();
  });

  it("answers a bad flag or value with a usage error and exit code 2", async () => {
    const unknown = await cli("train.ts", ["--hiden", "3"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--hiden'[\s\S]*Usage: pnpm train/);
    const notNumber = await cli("train.ts", ["--lr", "fast"]);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toContain('--lr must be a number; got "fast"');
    const outOfRange = await cli("train.ts", ["--hidden", "0", "--reg=-1"]);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toContain("--hidden must be an integer from 1 to 8192; got 0");
    expect(outOfRange.stderr).toContain("--reg must be a finite number ≥ 0; got -1");
  });

  it("names the data and backend flags it refuses, before loading either", async () => {
    // They failed after the backend and the data had loaded, as a RangeError naming numTrain, or as a
    // data set to download again (--records-per-batch 0).
    for (const [args, message] of [
      [["--num-train", "0"], "--num-train must be an integer ≥ 1; got 0"],
      [["--records-per-batch", "0"], "--records-per-batch must be an integer ≥ 1; got 0"],
      [["--backend", "gpu"], '--backend: Unknown backend "gpu": use one of auto, node-gpu, webgpu, node, wasm, cpu.'],
    ] as const) {
      const refused = await cli("train.ts", [...args, "--data-dir", "/nonexistent"]);
      expect([refused.code, refused.stderr.split("\n")[0]], args.join(" ")).toEqual([2, `error: ${message}`]);
    }
    const dataDir = await tinyCifar10(1);
    const tooMany = await cli("train.ts", [
      "--num-train",
      "401",
      "--data-dir",
      dataDir,
      "--records-per-batch",
      String(TINY_RECORDS),
    ]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain("error: --num-train must be an integer from 1 to 400; got 401");
  });

  it("words every bad flag as the API and the forms word that field, the flag as its name", async () => {
    const bad: Hyperparameters = {
      hiddenSize: 0,
      learningRate: -1,
      learningRateDecay: 1.5,
      reg: -1,
      batchSize: 0,
      numIters: 12.5,
      weightScale: 0,
      seed: -5,
    };
    const { code, stderr } = await cli(
      "train.ts",
      HYPERPARAMETER_NAMES.map((name) => `--${HYPERPARAMETERS[name].flag}=${bad[name]}`),
    );
    expect(code).toBe(2);
    for (const name of HYPERPARAMETER_NAMES) {
      const rule = HYPERPARAMETERS[name].rule.safeParse(bad[name]).error?.issues[0]?.message;
      expect(stderr).toContain(`--${HYPERPARAMETERS[name].flag} ${rule}\n`);
    }
  });

  it("trains without the native BLAS when it cannot load, and says why and what to install", async () => {
    const dir = await tinyCifar10(8);
    const args = ["--data-dir", dir, "--records-per-batch", String(TINY_RECORDS), "--iters", "5", "--batch", "10"];
    const missing = await cli("train.ts", [...args, "--json"], { TRAINQL_BLAS: "/nowhere/libopenblas.so.0" });
    expect(missing.code, missing.stderr).toBe(0);
    expect(missing.stderr).toMatch(
      /warning: matrix products run in WebAssembly on one thread.*tried \/nowhere\/libopenblas\.so\.0.*apt install libopenblas0-pthread/,
    );
    const summary = JSON.parse(missing.stdout.trim().split("\n").at(-1)!);
    expect(summary.iterations).toBe(5);
    expect(summary.device).not.toMatch(/matrix products on/);
    const off = await cli("train.ts", args, { TRAINQL_BLAS: "off" });
    expect(off.code, off.stderr).toBe(0);
    expect(off.stderr).toContain("4-8× slower, because TRAINQL_BLAS=off turns the native BLAS off");
  });

  it("says how to get the data when there is none", async () => {
    const empty = await tempDir();
    const { code, stderr } = await cli("train.ts", ["--iters", "1"], { CIFAR10_DIR: empty });
    expect(code).toBe(1);
    expect(stderr).toContain(`CIFAR-10 file ${path.join(empty, "data_batch_1.bin")}: is missing`);
    expect(stderr).toContain("pnpm download-cifar");
  });
});

describe("pnpm download-cifar", () => {
  it("fails offline with where to put the files", async () => {
    const dir = path.join(await tempDir(), "cifar");
    const { code, stderr } = await cli("downloadCifar.ts", ["--data-dir", dir, "--url", "http://127.0.0.1:9/x.tar.gz"]);
    expect(code).toBe(1);
    expect(stderr).toContain(`DownloadError: Could not download http://127.0.0.1:9/x.tar.gz`);
    expect(stderr).toContain(`in ${dir}`);
  });
});
