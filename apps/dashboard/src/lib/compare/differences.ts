// Which hyperparameters differ between runs, to label their curves by what was varied.
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "@/lib/types";

const KEYS = Object.keys(HYPERPARAMETER_LABELS) as (keyof Hyperparameters)[];

export function differingKeys(runs: readonly { hyperparameters: Hyperparameters }[]): (keyof Hyperparameters)[] {
  return KEYS.filter((k) => new Set(runs.map((r) => r.hyperparameters[k])).size > 1);
}

const SHORT: Record<keyof Hyperparameters, string> = {
  hiddenSize: "hidden",
  learningRate: "lr",
  learningRateDecay: "decay",
  reg: "reg",
  batchSize: "batch",
  numIters: "iters",
  weightScale: "std",
  seed: "seed",
};

const shortId = (uuid: string) => uuid.slice(0, 8);

function labelFor(hp: Hyperparameters, keys: (keyof Hyperparameters)[], fallback: string): string {
  return keys.length === 0 ? fallback : keys.map((k) => `${SHORT[k]} ${hyperparameterText(hp[k], k)}`).join(", ");
}

/**
 * Each run's curve label: the settings that differ between the runs. Runs can share every one of them
 * (a run and its reproduction, beside a third run that differs), and a chart tells its curves apart
 * by name (a repeated name is one legend entry, and ECharts refuses a repeated series id), so a label
 * two runs share gets each run's short id.
 */
export function curveLabels(runs: readonly { uuid: string; hyperparameters: Hyperparameters }[]): string[] {
  const differing = differingKeys(runs);
  const labels = runs.map((r) => labelFor(r.hyperparameters, differing, shortId(r.uuid)));
  return labels.map((label, i) =>
    labels.indexOf(label) === labels.lastIndexOf(label) ? label : `${label} (${shortId(runs[i]!.uuid)})`,
  );
}
