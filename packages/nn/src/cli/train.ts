// pnpm train -- --hidden 128 --iters 1000 --batch 1000 --lr 0.5 --lr-decay 0.95 --reg 1e-4 --seed 0
//               [--data-dir DIR] [--backend wasm] [--test] [--json]
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { initBackend } from "../backend/backend.ts";
import { BACKEND_NAMES } from "../backend/backendNames.ts";
import { CLASS_NAMES, NUM_CLASSES, PIXELS_PER_IMAGE } from "../data/cifar10.ts";
import { loadCifar10 } from "../data/dataset.ts";
import { classAccuracies } from "../metrics/confusionMatrix.ts";
import { TwoLayerNet } from "../model/twoLayerNet.ts";
import {
  HYPERPARAMETER_NAMES,
  HYPERPARAMETERS,
  type Hyperparameters,
  hyperparametersTextSchema,
} from "../training/hyperparameters.ts";
import { train } from "../training/train.ts";
import { backendFlag } from "./backendFlag.ts";
import { backendOptionsOf, readEngineEnv } from "./env.ts";
import { countFlag, parseFlags, runCli, UsageError } from "./runCli.ts";

// One flag a hyperparameter, with its help and default, from the hyperparameters' own table.
const knobHelp = HYPERPARAMETER_NAMES.map((name) => {
  const k = HYPERPARAMETERS[name];
  const flag = `--${k.flag} ${k.rule.isInt ? "N" : "X"}`;
  return `  ${flag.padEnd(20)}${k.about} (default ${k.default})`;
}).join("\n");

const USAGE = `Usage: pnpm train -- [options]

Trains the two-layer network on CIFAR-10 and prints its accuracy.

${knobHelp}
  --data-dir DIR      CIFAR-10 binary batches (default: $CIFAR10_DIR, else ~/.cache/trainql/cifar-10-batches-bin)
  --num-train N       use only the first N training rows
  --num-val N         use only the first N validation rows
  --records-per-batch N  records per batch file (10000 for the official data)
  --backend NAME      auto | ${BACKEND_NAMES.join(" | ")} (default: $TRAIN_BACKEND, else auto)
  --test              also report accuracy on the test set
  --json              print one JSON object as the last line of stdout
  -h, --help          show this help`;

const KNOB_FLAGS = Object.fromEntries(
  HYPERPARAMETER_NAMES.map((name) => [HYPERPARAMETERS[name].flag, { type: "string" as const }]),
);

const OPTIONS = {
  ...KNOB_FLAGS,
  "data-dir": { type: "string" },
  "num-train": { type: "string" },
  "num-val": { type: "string" },
  "records-per-batch": { type: "string" },
  backend: { type: "string" },
  test: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** The hyperparameters the flags ask for (defaults for the rest), by the API's rules; with `numTrain`, the training set's too. */
function hyperparametersFrom(values: Values, numTrain?: number): Hyperparameters {
  const text = Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, values[HYPERPARAMETERS[name].flag]]));
  return parseFlags(
    hyperparametersTextSchema(numTrain),
    text,
    (p) => `--${HYPERPARAMETERS[p.path[0] as keyof Hyperparameters].flag}`,
  );
}

/** The loader's words for the rows asked for, as the flags that asked. */
const LOADER_FIELDS = { numTrain: "--num-train", numVal: "--num-val" };

/** A fraction as a percentage; "—" for none (a class without validation images). */
const percent = (fraction: number | null, digits = 2) =>
  fraction === null ? "—" : `${(fraction * 100).toFixed(digits)}%`;

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; args: string[] }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Values;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // Every flag checked before the backend and the data load (seconds).
  const [numTrain, numVal, recordsPerBatch] = (["num-train", "num-val", "records-per-batch"] as const).map((f) =>
    typeof values[f] === "string" ? countFlag(f, values[f]) : undefined,
  );
  let hp = hyperparametersFrom(values);
  const env = readEngineEnv();
  const backendName = typeof values.backend === "string" ? backendFlag(values.backend) : env.TRAIN_BACKEND;

  // Progress and logs go to stderr, so that with --json stdout holds only the result.
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const backend = await initBackend(backendName, backendOptionsOf(env));
  log(`backend: ${backend.name} — ${backend.device} (${backend.version})`);
  for (const s of backend.skipped) log(`  skipped ${s.name}: ${s.reason.split(". ")[0]}`);
  for (const warning of backend.warnings) log(`  warning: ${warning}`);

  const loadStart = performance.now();
  const data = await loadCifar10({
    dataDir: (values["data-dir"] as string | undefined) ?? env.CIFAR10_DIR,
    numTrain,
    numVal,
    recordsPerBatch,
  }).catch((error: Error) => {
    if (!(error instanceof RangeError)) throw error;
    const named = Object.entries(LOADER_FIELDS).reduce((text, [field, f]) => text.replace(field, f), error.message);
    throw new UsageError(named);
  });
  log(
    `data: ${data.dataDir} — ${data.train.n} train, ${data.val.n} val, ${data.test.n} test (loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s)`,
  );
  hp = hyperparametersFrom(values, data.train.n);

  const net = TwoLayerNet.create(
    { inputSize: PIXELS_PER_IMAGE, hiddenSize: hp.hiddenSize, numClasses: NUM_CLASSES },
    hp,
  );
  const bar =
    process.stderr.isTTY && !values.json
      ? new cliProgress.SingleBar(
          {
            format: "train [{bar}] {value}/{total} it | loss {loss} | val {val} | {eta_formatted} left",
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(hp.numIters, 0, { loss: "-", val: "-" });
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());

  const result = await train(net, data, hp, {
    signal: controller.signal,
    onIteration: (it, loss) => bar?.update(it + 1, { loss: loss.toFixed(4) }),
    onEpoch: (m) => {
      if (bar) bar.update({ val: percent(m.valAcc) });
      else
        log(
          `epoch ${m.epoch} it ${m.iteration}/${hp.numIters}: loss ${m.loss.toFixed(4)}, train ${percent(m.trainAcc)}, val ${percent(m.valAcc)}, lr ${m.learningRate.toExponential(3)}`,
        );
    },
  }).finally(() => bar?.stop());

  const testAcc = values.test ? await net.accuracy(data.test.x, data.test.y, data.test.n) : null;
  net.dispose();
  const valClasses = classAccuracies(result.finalValConfusion);
  const lastEpoch = result.epochs.at(-1);
  const summary = {
    backend: backend.name,
    device: backend.device,
    ...hp,
    hiddenSize: hp.hiddenSize,
    iterations: result.iterations,
    finalLoss: result.lossHistory.at(-1) ?? null,
    valAcc: result.finalValAcc,
    // (Training accuracy is measured at epochs only, as in the reference: the last one may be older
    // than the final parameters valAcc is of, so it is given with its iteration.)
    lastEpoch: lastEpoch
      ? { iteration: lastEpoch.iteration, trainAcc: lastEpoch.trainAcc, valAcc: lastEpoch.valAcc }
      : null,
    valClassAccuracy: Object.fromEntries(CLASS_NAMES.map((name, c) => [name, valClasses[c]])),
    testAcc,
    trainMs: Math.round(result.trainMs),
    msPerIter: Number(result.msPerIter.toFixed(2)),
  };
  log(
    `\ndone: ${summary.iterations} iterations in ${(result.trainMs / 1000).toFixed(1)} s (${summary.msPerIter} ms/iter on ${backend.name})\n` +
      `  final loss ${summary.finalLoss?.toFixed(4)}, val accuracy ${percent(summary.valAcc)}` +
      (testAcc === null ? "" : `, test accuracy ${percent(testAcc)}`) +
      `\n  val accuracy per class: ${CLASS_NAMES.map((name, c) => `${name} ${percent(valClasses[c] ?? null, 1)}`).join(", ")}`,
  );
  if (values.json) console.log(JSON.stringify(summary));
}

runCli(main, USAGE);
