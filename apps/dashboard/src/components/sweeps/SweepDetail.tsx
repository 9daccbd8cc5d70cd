"use client";
// A sweep, live: progress against the grid, the trials, the charts and the best model.
import { graphql, readFragment } from "@trainql/graphql";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Fragment, useMemo, useState } from "react";
import { useMutation, useSubscription } from "urql";
import { ValAccuracyCells, ValAccuracyHeaders } from "@/components/runs/ValAccuracyColumns";
import { TableScroll } from "@/components/TableScroll";
import { BEST_EPOCH_VAL, FINAL_VAL } from "@/lib/runs/valAccuracy";
import {
  STRATEGY_LABELS,
  type SweepTrial,
  type SweepView,
  SweepViewFragment,
  searchedKnobs,
  trialsText,
} from "@/lib/sweeps/sweeps";
import { trialsBestFirst } from "@/lib/sweeps/trialRanking";
import { count } from "@/lib/text/count";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { plural } from "@/lib/text/plural";
import { isFinished, percent } from "@/lib/types";
import { Downloads } from "../Downloads";
import { useApiErrorText } from "../Providers";
import { ProgressBar, StatusBadge, TestAccuracyCell } from "../runs/RunBits";
import { WeightsImage } from "../runs/WeightsImage";
import { type DrawnRanges, Heatmap, ParallelCoordinates } from "./SweepCharts";
import { SweepGroups } from "./SweepGroups";
import { TopCurves } from "./TopCurves";

const EVENTS = graphql(`subscription SweepEvents($id: ID!) { sweepEvents(sweepId: $id) { sweep { ...SweepView } } }`, [
  SweepViewFragment,
]);
const CANCEL = graphql(`mutation CancelSweep($id: ID!) { cancelSweep(id: $id) { id status } }`);
const DELETE = graphql(`mutation DeleteSweep($id: ID!) { deleteSweep(id: $id) }`);
const EVALUATE = graphql(`mutation EvaluateBestModel($id: ID!) { evaluateTest(runId: $id) { id } }`);

export function SweepDetail({ initial }: { initial: SweepView }) {
  const [{ data, error }] = useSubscription({ query: EVENTS, variables: { id: initial.id } });
  const [cancelState, cancel] = useMutation(CANCEL);
  const [deleteState, deleteSweep] = useMutation(DELETE);
  const router = useRouter();
  const errorText = useApiErrorText();
  const sweep = data ? readFragment(SweepViewFragment, data.sweepEvents.sweep) : initial;
  const endedTrials = sweep.trials.filter((t) => isFinished(t.status)).length;
  const pausedTrials = sweep.trials.filter((t) => t.status === "PAUSED").length;
  // Changes whenever a trial stops training, for good or for its rung: the top curves refetch then.
  const trainedTrials = endedTrials + pausedTrials;
  const best = sweep.bestRun;
  // Trained to the end. Cancelling ends a sweep without choosing a best model, however many did.
  const finishedTrials = sweep.trials.filter((t) => t.status === "SUCCEEDED").length;
  const ranked = trialsBestFirst(sweep.trials);
  // The space is fixed when the sweep starts: read once, so that the charts, memoized on the ranges,
  // redraw only when the trials change.
  const knobs = useMemo(() => searchedKnobs(initial.space), [initial.space]);
  const drawn: DrawnRanges = useMemo(
    () => new Map(knobs.flatMap((k) => (k.range ? [[k.hyperparameter, k.range] as const] : []))),
    [knobs],
  );
  // A space with a range has no grid: gridIters is then every trial drawn, trained in full.
  const full = drawn.size > 0 ? "every trial trained in full" : "the full grid";

  return (
    <>
      <div className="toolbar">
        <StatusBadge status={sweep.status} />
        <ProgressBar
          value={sweep.plannedIters ? Math.min(1, sweep.itersSpent / sweep.plannedIters) : 0}
          label="Progress of the sweep"
        />
        <span className="muted" data-testid="sweep-iters">
          {count(sweep.itersSpent)} iterations trained of {count(sweep.plannedIters)} planned; {full}:{" "}
          {count(sweep.gridIters)} ({((100 * sweep.itersSpent) / sweep.gridIters).toFixed(1)}%)
        </span>
        {sweep.status === "RUNNING" && (
          <button
            type="button"
            className="danger"
            disabled={cancelState.fetching}
            onClick={() => {
              if (window.confirm("Cancel this sweep? Its queued and running trials are cancelled; finished ones stay."))
                void cancel({ id: sweep.id });
            }}
          >
            Cancel sweep
          </button>
        )}
        {sweep.status !== "RUNNING" && (
          <button
            type="button"
            className="danger"
            disabled={deleteState.fetching || deleteState.data !== undefined}
            onClick={async () => {
              const trials = plural(sweep.trials.length, "trial");
              if (!window.confirm(`Delete this sweep and its ${trials}, with their metrics and weights?`)) return;
              const result = await deleteSweep({ id: sweep.id });
              if (!result.error) router.push("/sweeps");
            }}
          >
            Delete sweep
          </button>
        )}
        {error && <span className="error">Live updates failed: {errorText(error)}</span>}
        <Downloads
          label="Trials"
          links={(["csv", "json"] as const).map((format) => ({
            label: format.toUpperCase(),
            path: `/sweeps/${sweep.uuid}/trials.${format}`,
            title: "One row per trial: hyperparameters, status and accuracies",
          }))}
        />
      </div>
      {/* (Moot once the sweep has ended: a refusal seen then stayed under its final status.) */}
      {cancelState.error && sweep.status === "RUNNING" && (
        <p className="error" role="alert">
          Could not cancel the sweep: {errorText(cancelState.error)}
        </p>
      )}
      {deleteState.error && (
        <p className="error" role="alert">
          Could not delete the sweep: {errorText(deleteState.error)}
        </p>
      )}
      {sweep.error && <p className="error card">{sweep.error}</p>}

      <div className="grid2">
        <div className="card" data-testid="best-model">
          <h2>Best model</h2>
          {best ? (
            <>
              <dl className="facts">
                <dt title={FINAL_VAL.title}>{FINAL_VAL.label} accuracy</dt>
                <dd data-testid="best-val">{percent(best.finalValAcc)}</dd>
                <dt title={BEST_EPOCH_VAL.title}>{BEST_EPOCH_VAL.label} accuracy</dt>
                <dd data-testid="best-epoch-val">{percent(best.bestValAcc)}</dd>
                <dt>Test accuracy</dt>
                <dd data-testid="best-test">
                  <BestTest best={best} version={data} />
                </dd>
                <dt>Hyperparameters</dt>
                <dd>
                  lr {hyperparameterText(best.hyperparameters.learningRate)}, hidden {best.hyperparameters.hiddenSize},
                  reg {hyperparameterText(best.hyperparameters.reg)}, decay{" "}
                  {hyperparameterText(best.hyperparameters.learningRateDecay)}
                </dd>
                <dt>Run</dt>
                <dd>
                  <Link href={`/runs/${best.uuid}`}>{best.uuid.slice(0, 8)}</Link>
                </dd>
              </dl>
              {best.weightsImageUrl && (
                <div style={{ marginTop: "0.8rem" }}>
                  <WeightsImage
                    path={best.weightsImageUrl}
                    alt="First-layer weights of the best model"
                    maxWidth={320}
                  />
                </div>
              )}
            </>
          ) : (
            <p className="muted">
              {sweep.status === "RUNNING"
                ? "Chosen by validation accuracy when the sweep ends; then its test accuracy is measured, once."
                : sweep.status === "CANCELLED"
                  ? `Cancelled — no best model chosen; ${plural(finishedTrials, sweep.seeds ? "run" : "trial")} finished.`
                  : sweep.status === "SUCCEEDED"
                    ? // A sweep succeeds by choosing one; the API forgets it with the run.
                      "The best model was chosen, but its run was deleted since. The trials that remain are below."
                    : "No trial finished training."}
            </p>
          )}
        </div>
        <div className="card">
          <h2>Plan</h2>
          <dl className="facts">
            <dt>Strategy</dt>
            <dd>
              {STRATEGY_LABELS[sweep.strategy]}
              {sweep.strategy === "SUCCESSIVE_HALVING" ? ` (eta ${sweep.eta})` : ""}
            </dd>
            {knobs.map((k) => (
              <Fragment key={k.key}>
                <dt>{k.label}</dt>
                <dd data-testid={`searched-${k.key}`}>{k.text}</dd>
              </Fragment>
            ))}
            <dt>Trials</dt>
            <dd>
              {trialsText(sweep)}
              {sweep.seeds ? `: ${plural(sweep.trials.length, "run")}` : ""} ({endedTrials} ended
              {pausedTrials > 0 ? `, ${pausedTrials} waiting for the rung to end` : ""})
            </dd>
            <dt>Iterations per trial</dt>
            <dd>
              {sweep.numIters} (batch {sweep.batchSize})
            </dd>
            {sweep.strategy === "SUCCESSIVE_HALVING" &&
              sweep.rungs.map((r) => (
                <RungFact key={r.rung} current={sweep.rung === r.rung && sweep.status === "RUNNING"} {...r} />
              ))}
          </dl>
        </div>
      </div>

      <div className="grid2">
        <Heatmap trials={sweep.trials} groups={sweep.groups} drawn={drawn} />
        <ParallelCoordinates trials={sweep.trials} drawn={drawn} />
      </div>
      <TopCurves trials={sweep.trials} version={trainedTrials} />

      {sweep.groups.length > 0 && <SweepGroups groups={sweep.groups} seeds={sweep.seeds ?? []} />}

      <h2>Trials</h2>
      {sweep.strategy === "SUCCESSIVE_HALVING" && (
        <p className="muted">
          Ranked as the best model is chosen: trials trained to the end first. A STOPPED trial was cut at an early rung,
          its final validation accuracy measured there, after fewer iterations.
        </p>
      )}
      <TableScroll>
        <table aria-label="Trials">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th className="num">LR</th>
              <th className="num">Hidden</th>
              <th className="num">Reg</th>
              <th className="num">Decay</th>
              <th className="num">Iterations</th>
              <ValAccuracyHeaders />
              <th className="num">Test</th>
            </tr>
          </thead>
          <tbody>
            {ranked.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link href={`/runs/${t.uuid}`}>{t.uuid.slice(0, 8)}</Link>
                  {best?.uuid === t.uuid ? " ★" : ""}
                </td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
                <td className="num">{hyperparameterText(t.hyperparameters.learningRate)}</td>
                <td className="num">{t.hyperparameters.hiddenSize}</td>
                <td className="num">{hyperparameterText(t.hyperparameters.reg)}</td>
                <td className="num">{hyperparameterText(t.hyperparameters.learningRateDecay)}</td>
                <td className="num">{t.iteration}</td>
                <ValAccuracyCells run={t} />
                <TestAccuracyCell run={t} />
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

/**
 * The best model's test accuracy; while there is none, "evaluating…", or why its evaluation failed,
 * with a button to try again (as on a run's page). `version`: the sweep's latest event, so that a
 * retry shows "evaluating…" until the sweep changes again (the failure is published to it too).
 */
function BestTest({ best, version }: { best: SweepTrial; version: unknown }) {
  const [evaluateState, evaluate] = useMutation(EVALUATE);
  const errorText = useApiErrorText();
  // The event the sweep was at when the evaluation was asked again; a newer one has the outcome.
  const [retriedAt, setRetriedAt] = useState<{ run: string; version: unknown } | null>(null);
  const retrying = retriedAt?.run === best.id && retriedAt.version === version;
  if (best.testAcc !== null) return <>{percent(best.testAcc)}</>;
  if (!best.testError || retrying) return <>evaluating…</>;
  return (
    <span className="error" data-testid="best-test-error">
      The evaluation on the test set failed: {best.testError}{" "}
      <button
        type="button"
        className="secondary small"
        disabled={evaluateState.fetching}
        onClick={() =>
          void evaluate({ id: best.id }).then((result) => {
            if (!result.error) setRetriedAt({ run: best.id, version });
          })
        }
      >
        Evaluate again
      </button>
      {evaluateState.error && <> {errorText(evaluateState.error)}</>}
    </span>
  );
}

function RungFact({
  rung,
  budget,
  trials,
  current,
}: {
  rung: number;
  budget: number;
  trials: number;
  current: boolean;
}) {
  return (
    <>
      <dt>
        Rung {rung}
        {current ? " (now)" : ""}
      </dt>
      <dd>
        {plural(trials, "trial")} to {plural(budget, "iteration")}
      </dd>
    </>
  );
}
