"use client";
// A run, live: facts, the two plots, the weights image, and its actions.
import { useState } from "react";
import { useMutation, useSubscription } from "urql";
import { applyRunEvent, emptyLiveRun, type LiveRun, RUN_EVENTS, type RunEvent } from "@/lib/runEvents";
import { HYPERPARAMETER_LABELS, type Hyperparameters, isFinished, percent, type RunSummary } from "@/lib/types";
import { useApi } from "../Providers";
import { ProgressBar, StatusBadge } from "./RunBits";
import { AccuracyChart, LossChart } from "./RunCharts";

const CANCEL = `mutation Cancel($id: ID!) { cancelRun(id: $id) { id status } }`;
const EVALUATE = `mutation Evaluate($id: ID!) { evaluateTest(runId: $id) { id } }`;

function duration(start: string | null | undefined, end: string | null | undefined): string {
  if (!start) return "—";
  const ms = (end ? new Date(end) : new Date()).getTime() - new Date(start).getTime();
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function RunDetail({ initial }: { initial: RunSummary }) {
  const { fileUrl } = useApi();
  const [live, resubscribe] = useSubscription<{ runEvents: RunEvent }, LiveRun>(
    { query: RUN_EVENTS, variables: { runId: initial.id } },
    (state = emptyLiveRun, data) => applyRunEvent(state, data.runEvents),
  );
  const [cancelState, cancel] = useMutation(CANCEL);
  const [evaluateState, evaluate] = useMutation(EVALUATE);
  const [evaluateAsked, setEvaluateAsked] = useState(false);

  const state = live.data ?? emptyLiveRun;
  const status = state.status ?? initial.status;
  const run = { ...initial, ...state.run };
  const hp = initial.hyperparameters;
  const testAcc = state.testAcc ?? initial.testAcc;
  const weightsUrl = state.weightsUrl ?? initial.weightsImageUrl;
  const lastEpoch = state.epochs.at(-1);
  const bestValAcc = state.epochs.length > 0 ? Math.max(...state.epochs.map((e) => e.valAcc)) : run.bestValAcc;
  const progress = state.lossesTo > 0 ? state.lossesTo / hp.numIters : run.progress;

  return (
    <>
      <div className="toolbar">
        <StatusBadge status={status} />
        <ProgressBar value={isFinished(status) && status === "SUCCEEDED" ? 1 : progress} />
        <span className="muted" data-testid="iteration">
          iteration {state.lossesTo || run.iteration} / {hp.numIters}
        </span>
        {(status === "QUEUED" || status === "RUNNING") && (
          <button
            type="button"
            className="danger"
            disabled={cancelState.fetching}
            onClick={() => cancel({ id: initial.id })}
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
              // The run's event stream ended with its final status: follow it again for the result.
              void evaluate({ id: initial.id }).then(() => resubscribe({ requestPolicy: "network-only" }));
            }}
          >
            {evaluateAsked ? "Evaluating on the test set…" : "Evaluate on test set"}
          </button>
        )}
        {live.error && <span className="error">Live updates failed: {live.error.message}</span>}
      </div>
      {run.error && (
        <p className="error card" role="alert">
          FAILED: {run.error}
        </p>
      )}
      {(cancelState.error || evaluateState.error) && (
        <p className="error">{(cancelState.error ?? evaluateState.error)?.message}</p>
      )}

      <div className="grid2">
        <div className="card">
          <LossChart losses={state.losses} error={run.error} />
        </div>
        <div className="card">
          <AccuracyChart epochs={state.epochs} />
        </div>
      </div>

      <div className="grid2">
        <div className="card">
          <h2>Run</h2>
          <dl className="facts">
            <dt>Backend</dt>
            <dd>{run.backend ? `${run.backend} — ${run.device}` : "not started"}</dd>
            <dt>Duration</dt>
            <dd>{duration(run.startedAt, run.finishedAt)}</dd>
            <dt>Val accuracy (last epoch)</dt>
            <dd data-testid="val-acc">{percent(lastEpoch?.valAcc ?? run.finalValAcc)}</dd>
            <dt>Best val accuracy</dt>
            <dd>{percent(bestValAcc)}</dd>
            <dt>Train accuracy (last epoch)</dt>
            <dd>{percent(lastEpoch?.trainAcc)}</dd>
            <dt>Test accuracy</dt>
            <dd data-testid="test-acc">{percent(testAcc)}</dd>
            <dt>Epochs</dt>
            <dd data-testid="epoch-count" data-last-epoch={lastEpoch?.epoch ?? -1}>
              {state.epochs.length}
            </dd>
            {(Object.keys(HYPERPARAMETER_LABELS) as (keyof Hyperparameters)[]).map((k) => (
              <HyperparameterFact key={k} label={HYPERPARAMETER_LABELS[k]} value={hp[k]} />
            ))}
          </dl>
        </div>
        <div className="card">
          <h2>First-layer weights</h2>
          {weightsUrl ? (
            // biome-ignore lint/performance/noImgElement: a PNG served by the API, refreshed every epoch
            <img
              className="weights"
              src={fileUrl(weightsUrl)}
              alt={`First-layer weights of ${hp.hiddenSize} hidden units`}
            />
          ) : (
            <p className="muted">The weights appear after the first epoch.</p>
          )}
        </div>
      </div>
    </>
  );
}

function HyperparameterFact({ label, value }: { label: string; value: number }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}
