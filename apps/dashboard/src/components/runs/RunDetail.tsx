"use client";
// A run, live: facts, the two plots, the weights image, and its actions.
import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { type ReactNode, useEffect, useMemo, useState } from "react";
import { useMutation, useSubscription } from "urql";
import { spansDecades } from "@/lib/charts/chartView";
import { applyRunEvent, emptyLiveRun, type LiveRun, RUN_EVENTS } from "@/lib/runs/runEvents";
import type { RunLabelsData } from "@/lib/runs/runLabels";
import type { TrainedOn as TrainedOnData } from "@/lib/runs/trainedOn";
import { BEST_EPOCH_VAL, FINAL_VAL } from "@/lib/runs/valAccuracy";
import { count } from "@/lib/text/count";
import { duration } from "@/lib/text/duration";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { HYPERPARAMETER_LABELS, type Hyperparameters, isLive, isTraining, percent, type RunSummary } from "@/lib/types";
import { useHydrated } from "@/lib/useHydrated";
import { ChartControls, useChartView } from "../ChartControls";
import { Downloads } from "../Downloads";
import { useApiErrorText } from "../Providers";
import { ConfusionMatrix } from "./ConfusionMatrix";
import { NoTrainerNotice } from "./NoTrainerNotice";
import { ReproduceButton, ReproductionBadge, type RunOrigins } from "./Reproduction";
import { ProgressBar, StatusBadge } from "./RunBits";
import { AccuracyChart, LossChart } from "./RunCharts";
import { RunLabels } from "./RunLabels";
import { RunLineage } from "./RunLineage";
import { TrainedOn } from "./TrainedOn";
import { WeightsHistory } from "./WeightsHistory";

const CANCEL = graphql(`mutation Cancel($id: ID!) { cancelRun(id: $id) { id status } }`);
const EVALUATE = graphql(`mutation Evaluate($id: ID!) { evaluateTest(runId: $id) { id } }`);

/** The time now, ticking every second while `ticking`; null until hydrated (the server's clock differs). */
function useNow(ticking: boolean): number | null {
  const hydrated = useHydrated();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return hydrated ? now : null;
}

export function RunDetail({
  initial,
  labels,
  hasCheckpoint,
  origins,
}: {
  initial: RunSummary & TrainedOnData;
  labels: RunLabelsData;
  /** Whether trained parameters are stored (the .npz download); a run that ends gets them. */
  hasCheckpoint: boolean;
  /** Its seed group, and for a reproduction the original and the verdict. */
  origins?: RunOrigins;
}) {
  const [live, resubscribe] = useSubscription(
    { query: RUN_EVENTS, variables: { runId: initial.id } },
    (state: LiveRun = emptyLiveRun, data) => applyRunEvent(state, data.runEvents),
  );
  const [cancelState, cancel] = useMutation(CANCEL);
  const [evaluateState, evaluate] = useMutation(EVALUATE);
  const errorText = useApiErrorText();
  const actionError = cancelState.error ?? evaluateState.error;
  const [evaluateAsked, setEvaluateAsked] = useState(false);

  const state = live.data ?? emptyLiveRun;
  // The stored history (epochs, losses) comes over the stream, after the page is up, its status last:
  // until then, what is counted from it is not known yet, rather than none. (A stream that failed, the
  // run deleted, says no more.)
  const streamed = state.status !== undefined || live.error !== undefined;
  const fromStream = (text: ReactNode) => (streamed ? text : <span className="muted">loading…</span>);
  const status = state.status ?? initial.status;
  const run = { ...initial, ...state.run };
  const hp = initial.hyperparameters;
  const testAcc = state.testAcc ?? initial.testAcc;
  // The last evaluation's failure: live, or as the page was loaded (until a live result says otherwise).
  const testError = state.testError ?? (state.testAcc === undefined ? initial.testError : null);
  // A failed evaluation ends the wait: the button comes back beside the reason, to try again.
  useEffect(() => {
    if (state.testFailures > 0) setEvaluateAsked(false);
  }, [state.testFailures]);
  const weightsEpoch = state.weightsEpoch ?? initial.weightsEpoch ?? null;
  const weightsUrl = state.weightsUrl ?? initial.weightsImageUrl;
  const lastEpoch = state.epochs.at(-1);
  const bestValAcc = state.epochs.length > 0 ? Math.max(...state.epochs.map((e) => e.valAcc)) : run.bestValAcc;
  const progress = state.lossesTo > 0 ? state.lossesTo / hp.numIters : run.progress;
  const now = useNow(status === "RUNNING");
  const charts = useChartView();
  const autoLog = useMemo(() => spansDecades(state.losses.map(([, l]) => l)), [state.losses]);

  return (
    <>
      <div className="toolbar">
        <StatusBadge status={status} />
        <ProgressBar value={status === "SUCCEEDED" ? 1 : progress} label="Progress of the run" />
        <span className="muted" data-testid="iteration">
          iteration {count(state.lossesTo || run.iteration)} / {count(hp.numIters)}
        </span>
        {/* (A PAUSED sweep trial waits for its rung: cancelled, it drops out of the promotion.) */}
        {isLive(status) && (
          <button
            type="button"
            className="danger"
            disabled={cancelState.fetching}
            onClick={() => {
              if (window.confirm("Cancel this run? It stops within one iteration and cannot be resumed."))
                void cancel({ id: initial.id });
            }}
          >
            Cancel run
          </button>
        )}
        {status === "SUCCEEDED" && testAcc === null && (
          <button
            type="button"
            disabled={evaluateState.fetching || evaluateAsked}
            onClick={() => {
              setEvaluateAsked(true);
              void evaluate({ id: initial.id }).then((result) => {
                // Refused: the button comes back beside the API's reason (below), to try again.
                if (result.error) return setEvaluateAsked(false);
                // The run's event stream ended with its final status: follow it again for the result.
                resubscribe({ requestPolicy: "network-only" });
              });
            }}
          >
            {evaluateAsked ? "Evaluating on the test set…" : "Evaluate on test set"}
          </button>
        )}
        {status === "SUCCEEDED" && <ReproduceButton runId={initial.id} />}
        {origins?.group && (
          <span className="muted">
            Member of seed group <Link href={`/groups/${origins.group.uuid}`}>{origins.group.uuid.slice(0, 8)}</Link>
          </span>
        )}
        {origins?.reproduction && (
          <ReproductionBadge
            runId={initial.id}
            status={status}
            initial={origins.reproduction}
            originalUuid={origins.reproducedFrom?.uuid ?? null}
          />
        )}
        {initial.sweepId && (
          <span className="muted">
            Trial of sweep <Link href={`/sweeps/${initial.sweepId}`}>{initial.sweepId.slice(0, 8)}</Link>
          </span>
        )}
        {live.error && <span className="error">Live updates failed: {errorText(live.error)}</span>}
      </div>
      <div className="toolbar">
        <Downloads
          label="Download"
          links={[
            { label: "CSV", path: `/runs/${initial.uuid}/export.csv`, title: "Hyperparameters, every loss and epoch" },
            {
              label: "JSON",
              path: `/runs/${initial.uuid}/export.json`,
              title: "Hyperparameters, every loss and epoch",
            },
            ...(hasCheckpoint || status === "SUCCEEDED"
              ? [
                  {
                    label: ".npz",
                    path: `/runs/${initial.uuid}/params.npz`,
                    title: "The trained W1, b1, W2, b2 for NumPy: net.params = dict(np.load(file))",
                  },
                ]
              : []),
            ...(weightsUrl ? [{ label: "Weights PNG", path: weightsUrl }] : []),
          ]}
        />
      </div>
      <div className="card">
        <RunLabels initial={labels} />
      </div>
      {run.error && (
        <p className="error card" role="alert">
          FAILED: {run.error}
        </p>
      )}
      {status === "SUCCEEDED" && testAcc === null && testError && !evaluateAsked && (
        <p className="error" data-testid="test-error">
          The evaluation on the test set failed: {testError}
        </p>
      )}
      {actionError && <p className="error">{errorText(actionError)}</p>}
      <NoTrainerNotice
        waiting={status === "QUEUED" ? "run" : evaluateAsked && testAcc === null ? "evaluation" : null}
        dataFingerprint={run.data?.fingerprint ?? null}
      />

      <ChartControls state={charts} autoLog={autoLog} />
      <div className="grid2">
        <div className="card">
          <LossChart
            losses={state.losses}
            divergedAtIteration={run.divergedAtIteration}
            forkedAtIteration={state.epochs.find((e) => e.epoch === initial.forkedAtEpoch)?.iteration ?? null}
            view={charts.curves(charts.view.log ?? autoLog)}
            loading={!streamed}
          />
        </div>
        <div className="card">
          <AccuracyChart epochs={state.epochs} view={charts.curves(false)} loading={!streamed} />
        </div>
      </div>

      <div className="grid2">
        <div className="card">
          <h2>Run</h2>
          <dl className="facts">
            <TrainedOn run={run} />
            <dt>Duration</dt>
            <dd data-testid="duration">
              {run.finishedAt || now !== null ? duration(run.startedAt, run.finishedAt, now ?? 0) : "—"}
            </dd>
            <dt title={FINAL_VAL.title}>{FINAL_VAL.label} accuracy</dt>
            <dd data-testid="final-val">
              {run.finalValAcc === null && isLive(status) ? "when training stops" : percent(run.finalValAcc)}
            </dd>
            <dt title={BEST_EPOCH_VAL.title}>{BEST_EPOCH_VAL.label} accuracy</dt>
            <dd data-testid="best-epoch-val">{percent(bestValAcc)}</dd>
            <dt>Train accuracy (last epoch)</dt>
            <dd>{fromStream(percent(lastEpoch?.trainAcc))}</dd>
            <dt>Test accuracy</dt>
            <dd data-testid="test-acc">{percent(testAcc)}</dd>
            <dt>Epochs</dt>
            <dd data-testid="epoch-count" data-last-epoch={lastEpoch?.epoch ?? -1}>
              {fromStream(state.epochs.length)}
            </dd>
            {(Object.keys(HYPERPARAMETER_LABELS) as (keyof Hyperparameters)[]).map((k) => (
              <HyperparameterFact key={k} name={k} value={hp[k]} />
            ))}
          </dl>
        </div>
        <div className="card">
          <h2>First-layer weights</h2>
          <WeightsHistory
            runId={initial.id}
            uuid={initial.uuid}
            latestEpoch={weightsEpoch}
            hiddenSize={hp.hiddenSize}
          />
        </div>
      </div>
      <ConfusionMatrix runId={initial.id} ended={!isTraining(status)} testAcc={testAcc} />
      <RunLineage runId={initial.id} latestEpoch={weightsEpoch} parent={hp} />
    </>
  );
}

function HyperparameterFact({ name, value }: { name: keyof Hyperparameters; value: number }) {
  return (
    <>
      <dt>{HYPERPARAMETER_LABELS[name]}</dt>
      <dd>{hyperparameterText(value, name)}</dd>
    </>
  );
}
