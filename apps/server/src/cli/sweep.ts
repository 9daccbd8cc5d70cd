// pnpm sweep -- --lr 0.5,1 --hidden 64,128 --reg 1e-5,1e-4 --decay 0.95 --strategy halving --iters 1000 [--json]
// Runs a sweep through the real system: against --api when given, else on a system of its own
// (the database of DATABASE_URL or the embedded one, an API on a free port, --trainers trainer processes).
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "@trainql/db/database";
import { graphql, type ResultOf, type TadaDocumentNode, type VariablesOf } from "@trainql/graphql";
import { countFlag, isRange, parseFlags, runCli, UsageError } from "@trainql/nn";
import {
  RANGE_SYNTAX,
  SWEEP_DEFAULTS,
  type SweepField,
  sweepInputOf,
  sweepSettingsTextSchema,
} from "@trainql/nn/sweepRules";
import { subjectOf } from "@trainql/nn/validation";
import { reapPolicyOf } from "@trainql/runs/env";
import { TRAINER_MAIN } from "@trainql/trainer/entry";
import cliProgress from "cli-progress";
import { print } from "graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { buildApp } from "../app.ts";
import { readApiEnv } from "../env.ts";

const d = SWEEP_DEFAULTS;
const USAGE = `Usage: pnpm sweep -- --lr LIST --hidden LIST --reg LIST [options]

Searches hyperparameters of the two-layer net, keeps the best by validation accuracy and reports
its test accuracy. LISTs are comma-separated values to try, or a range to draw from: ${RANGE_SYNTAX}
(random / halving only, --max-trials draws), e.g. --lr 1e-4..1e-1 --reg 1e-6..1e-2.

  --lr LIST            learning rates
  --hidden LIST        hidden sizes
  --reg LIST           regularization strengths
  --decay LIST         learning-rate decays (default ${d.learningRateDecays.join(",")})
  --strategy NAME      grid | random | halving (default grid)
  --iters N            iterations of a fully trained trial (default ${d.numIters})
  --batch N            minibatch size (default ${d.batchSize})
  --seed N             seed of every trial (default ${d.seed})
  --seeds LIST         train each trial once per seed, rank by the mean
  --max-trials N       random (required) / halving: combinations to sample, or trials to draw
  --eta N              halving: keep the best 1/eta per rung (default ${d.eta})
  --api URL            use a running TrainQL API (e.g. http://127.0.0.1:4000/graphql); with tokens
                       configured there, set TRAINQL_API_TOKEN to one
  --trainers N         without --api: trainer processes to start (default 1)
  --data-dir DIR       without --api: CIFAR-10 directory (default $CIFAR10_DIR, else ~/.cache/trainql/…)
  --records-per-batch N  without --api: records per batch file (generated data sets)
  --json               print one JSON object as the last line of stdout
  -h, --help           show this help`;

const OPTIONS = {
  lr: { type: "string" },
  hidden: { type: "string" },
  reg: { type: "string" },
  decay: { type: "string" },
  strategy: { type: "string", default: "grid" },
  iters: { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
  seeds: { type: "string" },
  "max-trials": { type: "string" },
  eta: { type: "string" },
  api: { type: "string" },
  trainers: { type: "string" }, // (default 1)
  "data-dir": { type: "string" },
  "records-per-batch": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

const STRATEGIES = { grid: "GRID", random: "RANDOM", halving: "SUCCESSIVE_HALVING" } as const;

/** Each setting's flag, for messages that name what was typed. */
const FLAGS: Record<SweepField, string> = {
  learningRates: "--lr",
  hiddenSizes: "--hidden",
  regs: "--reg",
  learningRateDecays: "--decay",
  numIters: "--iters",
  batchSize: "--batch",
  maxTrials: "--max-trials",
  eta: "--eta",
  seed: "--seed",
  seeds: "--seeds",
};

/** The API's names of settings and strategies, in a message about two flags, as the flags' own. */
function inFlagTerms(message: string): string {
  const words: [string, string][] = [
    // (Not seed, seeds, eta: plain words too, in "each seed trains one run".)
    ...Object.entries(FLAGS).filter(([field]) => /[A-Z]/.test(field) || field === "regs"),
    ...Object.entries(STRATEGIES).map(([flag, name]): [string, string] => [name, `--strategy ${flag}`]),
  ];
  return words.reduce((text, [word, flag]) => text.replace(new RegExp(`\\b${word}\\b`, "g"), flag), message);
}

/** --api's URL, checked: a bare host:port failed later as "Failed to parse URL". */
function apiUrl(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== "http:" && url?.protocol !== "https:")
    throw new UsageError(`--api must be an http(s) URL, e.g. http://127.0.0.1:4000/graphql; got "${raw}"`);
  return url.href;
}

/**
 * A token of the API's API_TOKEN, for an API that has them, sent over HTTP and graphql-ws alike.
 * From the environment, not a flag: flags show in `ps`.
 */
const token = process.env.TRAINQL_API_TOKEN;
const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

/** No answer from the API at all (nothing listens there, or the network failed). */
class ApiUnreachable extends Error {}

// What the progress bar and the final table read; unmasked, since this file is their only reader.
const SweepProgress = graphql(`
  fragment SweepProgress on Sweep @_unmask {
    uuid status rung itersSpent plannedIters gridIters error rungs { budget trials }
    bestRun { uuid status iteration finalValAcc testAcc testError hyperparameters { hiddenSize learningRate reg learningRateDecay } }
    trials { uuid status iteration finalValAcc testAcc hyperparameters { hiddenSize learningRate reg learningRateDecay } }
  }
`);
type SweepState = ResultOf<typeof SweepProgress>;

const TRAINERS = graphql(`query SweepTrainers { trainers { dataset { available } } }`);
const START_SWEEP = graphql(
  `mutation StartSweep($input: StartSweepInput!) { startSweep(input: $input) { ...SweepProgress } }`,
  [SweepProgress],
);
const SWEEP_EVENTS = graphql(
  `subscription SweepEvents($id: ID!) { sweepEvents(sweepId: $id) { sweep { ...SweepProgress } } }`,
  [SweepProgress],
);

async function gql<T, V>(url: string, query: TadaDocumentNode<T, V>, variables: V): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...authorization },
    body: JSON.stringify({ query: print(query), variables }),
  }).catch((error: Error) => {
    const cause = (error.cause as { code?: string } | undefined)?.code ?? error.message;
    throw new ApiUnreachable(`cannot reach the API at ${url} (${cause})`);
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { field?: string } }[] };
  if (body.errors?.length || !body.data) {
    const e = body.errors?.[0];
    throw new UsageError(e ? `${e.extensions?.field ? `${e.extensions.field}: ` : ""}${e.message}` : "empty response");
  }
  return body.data;
}

/** A system of our own: database, API on a free port, trainers. */
async function startSystem(trainers: number, dataDir: string | undefined, recordsPerBatch: string | undefined) {
  const env = readApiEnv();
  const database = await openDatabase(env, () => {});
  const app = buildApp({ databaseUrl: database.url, reapPolicy: reapPolicyOf(env) });
  const port = await app.start(0);
  const children: ChildProcess[] = [];
  for (let i = 0; i < trainers; i++) {
    const child = spawn(process.execPath, ["--import", "tsx", TRAINER_MAIN], {
      cwd: path.dirname(TRAINER_MAIN),
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        ...(dataDir ? { CIFAR10_DIR: path.resolve(dataDir) } : {}),
        ...(recordsPerBatch ? { CIFAR10_RECORDS_PER_BATCH: recordsPerBatch } : {}),
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr?.on("data", (d: Buffer) => process.stderr.write(`[trainer ${i + 1}] ${d}`));
    children.push(child);
  }
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      for (const c of children) c.kill("SIGTERM");
      await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
      await app.stop();
      await database.stop();
    },
  };
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(2)}%`);

async function main(argv: string[]): Promise<void> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return void console.log(USAGE);
  const strategy = STRATEGIES[values.strategy as keyof typeof STRATEGIES];
  if (!strategy) throw new UsageError(`--strategy must be grid, random or halving; got "${values.strategy}"`);
  // Checked here by the API's own schema, before any system starts; the API checks again what only
  // its trainers know (the training set size, their memory).
  const text = {
    space: {
      learningRates: values.lr ?? "",
      hiddenSizes: values.hidden ?? "",
      regs: values.reg ?? "",
      learningRateDecays: values.decay,
    },
    strategy,
    numIters: values.iters,
    batchSize: values.batch,
    seed: values.seed,
    seeds: values.seeds,
    maxTrials: values["max-trials"],
    eta: values.eta,
  };
  let settings: ReturnType<typeof parseFlags<ReturnType<typeof sweepSettingsTextSchema>>>;
  try {
    settings = parseFlags(sweepSettingsTextSchema(), text, (p) => {
      const field = p.path.filter((k) => typeof k === "string").at(-1) as SweepField;
      return subjectOf(p, FLAGS[field] ?? field);
    });
  } catch (error) {
    throw error instanceof UsageError ? new UsageError(inFlagTerms(error.message)) : error;
  }
  const input = sweepInputOf(settings);
  // A space with a range has no grid: gridIters is then every trial drawn, trained in full.
  const full = Object.values(settings.space).some(isRange) ? "every trial trained in full" : "the full grid";
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  // (Ignored with --api, they were: the running API's trainers train.)
  const own = (["trainers", "data-dir", "records-per-batch"] as const).find((f) => values[f] !== undefined);
  if (values.api && own)
    throw new UsageError(`--${own} is for a system of this command's own: leave it out with --api`);
  const trainerCount = countFlag("trainers", values.trainers ?? "1");
  const system = values.api
    ? undefined
    : await startSystem(trainerCount, values["data-dir"], values["records-per-batch"]);
  const api = values.api ? apiUrl(values.api) : system!.url;
  try {
    // Our own trainers must be up first: the plan depends on the data set they load.
    const wanted = values.api ? 1 : trainerCount;
    for (let waited = 0; ; waited += 250) {
      const { trainers } = await gql(api, TRAINERS, {}).catch((error: Error) => {
        // No answer: --api names no API that is up.
        if (values.api && error instanceof ApiUnreachable)
          throw new UsageError(
            `${error.message}: start it (pnpm start), or leave out --api to sweep on a system of this command's own`,
          );
        throw error;
      });
      if (trainers.length >= wanted) {
        if (!trainers.some((t) => t.dataset.available))
          throw new UsageError("the trainers found no CIFAR-10 data (see their messages above)");
        break;
      }
      if (waited > 120_000) throw new Error(`no trainer came up within 120 s (${trainers.length} of ${wanted})`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const { startSweep } = await gql(api, START_SWEEP, { input });
    log(
      `sweep ${startSweep.uuid}: ${startSweep.trials.length} trials (${values.strategy}), planned ${startSweep.plannedIters.toLocaleString("en-US")} iterations; ${full}: ${startSweep.gridIters.toLocaleString("en-US")}`,
    );
    const bar = new cliProgress.SingleBar(
      {
        format: "sweep [{bar}] {value}/{total} it | rung {rung} | {done}/{trials} trials done | best val {best}",
        hideCursor: true,
        stream: process.stderr,
        noTTYOutput: !process.stderr.isTTY,
        notTTYSchedule: 5000,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(startSweep.plannedIters, 0, { rung: 0, done: 0, trials: startSweep.trials.length, best: "—" });
    const ws = createClient({
      url: api.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 10,
      connectionParams: authorization,
    });
    let final: SweepState | undefined;
    for await (const event of ws.iterate<ResultOf<typeof SWEEP_EVENTS>>({
      query: print(SWEEP_EVENTS),
      variables: { id: startSweep.uuid } satisfies VariablesOf<typeof SWEEP_EVENTS>,
    })) {
      const sweep = event.data?.sweepEvents.sweep;
      if (!sweep) throw new Error(`sweepEvents failed: ${JSON.stringify(event.errors)}`);
      const done = sweep.trials.filter((t) => !["QUEUED", "RUNNING"].includes(t.status)).length;
      const best = Math.max(...sweep.trials.map((t) => t.finalValAcc ?? 0));
      bar.update(Math.min(sweep.itersSpent, sweep.plannedIters), { rung: sweep.rung, done, best: pct(best) });
      const ended = sweep.status !== "RUNNING";
      // (With its test accuracy, or why there is none.)
      const tested = sweep.bestRun?.testAcc !== null || sweep.bestRun?.testError !== null;
      if (ended && (sweep.status !== "SUCCEEDED" || tested)) {
        final = sweep;
        break;
      }
    }
    bar.stop();
    await ws.dispose();
    if (!final) throw new Error("the sweep's event stream ended early");

    const trials = final.trials
      .map((t) => ({
        runId: t.uuid,
        status: t.status,
        iterations: t.iteration,
        valAcc: t.finalValAcc,
        ...t.hyperparameters,
      }))
      .sort((a, b) => (b.valAcc ?? -1) - (a.valAcc ?? -1));
    const table = [
      "| rank | lr | hidden | reg | decay | iterations | val acc | status |",
      "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
      ...trials.map(
        (t, i) =>
          `| ${i + 1} | ${t.learningRate} | ${t.hiddenSize} | ${t.reg} | ${t.learningRateDecay} | ${t.iterations} | ${pct(t.valAcc)} | ${t.status} |`,
      ),
    ].join("\n");
    const best = final.bestRun;
    const summary = [
      `\n${table}\n`,
      `sweep ${final.status}: ${final.itersSpent.toLocaleString("en-US")} iterations trained; ${full} would train ${final.gridIters.toLocaleString("en-US")} (${((100 * final.itersSpent) / final.gridIters).toFixed(1)}%)`,
      best
        ? `best: lr ${best.hyperparameters.learningRate}, hidden ${best.hyperparameters.hiddenSize}, reg ${best.hyperparameters.reg}, decay ${best.hyperparameters.learningRateDecay} — val ${pct(best.finalValAcc)}, test ${best.testError ? `not measured (${best.testError})` : pct(best.testAcc)} (run ${best.uuid})`
        : `no best model: ${final.error}`,
      `wall time ${((performance.now() - started) / 1000).toFixed(1)} s`,
    ].join("\n");
    if (values.json) {
      log(summary);
      console.log(
        JSON.stringify({
          sweepId: final.uuid,
          strategy,
          status: final.status,
          best: best
            ? {
                runId: best.uuid,
                valAcc: best.finalValAcc,
                testAcc: best.testAcc,
                testError: best.testError,
                ...best.hyperparameters,
              }
            : null,
          trials,
          itersSpent: final.itersSpent,
          gridIters: final.gridIters,
          plannedIters: final.plannedIters,
          wallMs: Math.round(performance.now() - started),
        }),
      );
    } else console.log(summary);
  } finally {
    await system?.stop();
  }
}

runCli(main, USAGE);
