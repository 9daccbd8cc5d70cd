"use client";
// The first-layer weights of every kept epoch, with a slider to scrub through them. The epochs kept
// change as the run trains (new ones arrive, older ones are thinned: Run.weightsEpochs), so the list
// is asked again whenever a new image arrives; the slider follows the newest epoch until moved.
import { graphql } from "@trainql/graphql";
import { useEffect, useMemo, useState } from "react";
import { useQuery } from "urql";
import { WeightsImage } from "./WeightsImage";

const WEIGHTS_EPOCHS = graphql(`query WeightsEpochs($id: ID!) { run(id: $id) { id weightsEpochs } }`);

export function WeightsHistory({
  runId,
  uuid,
  latestEpoch,
  hiddenSize,
}: {
  runId: string;
  uuid: string;
  /** The epoch of the newest image (from runEvents), null before the first. */
  latestEpoch: number | null;
  hiddenSize: number;
}) {
  const [{ data }, refetch] = useQuery({
    query: WEIGHTS_EPOCHS,
    variables: { id: runId },
    requestPolicy: "network-only",
  });
  useEffect(() => {
    if (latestEpoch !== null) refetch({ requestPolicy: "network-only" });
  }, [latestEpoch, refetch]);
  const epochs = useMemo(() => {
    const kept = new Set(data?.run.weightsEpochs ?? []);
    if (latestEpoch !== null) kept.add(latestEpoch);
    return [...kept].sort((a, b) => a - b);
  }, [data, latestEpoch]);
  // null: follow the newest epoch.
  const [chosen, setChosen] = useState<number | null>(null);
  const epoch = chosen !== null && epochs.includes(chosen) ? chosen : (epochs.at(-1) ?? null);
  if (epoch === null) return <p className="muted">The weights appear after the first epoch.</p>;
  const index = epochs.indexOf(epoch);
  return (
    <div className="weights-history">
      <WeightsImage
        path={`/runs/${uuid}/weights.png?epoch=${epoch}`}
        alt={`First-layer weights of ${hiddenSize} hidden units at epoch ${epoch}`}
      />
      <label className="weights-slider">
        <span data-testid="weights-epoch">
          Epoch {epoch}
          {chosen === null || index === epochs.length - 1 ? " (latest)" : ""}
        </span>
        <input
          type="range"
          aria-label="Weights epoch"
          // The position alone ("3") would be read out, not the epoch it shows.
          aria-valuetext={`Epoch ${epoch}${index === epochs.length - 1 ? ", the latest" : ""}`}
          data-testid="weights-slider"
          min={0}
          max={epochs.length - 1}
          step={1}
          value={index}
          disabled={epochs.length < 2}
          onChange={(e) => {
            const i = Number(e.target.value);
            setChosen(i === epochs.length - 1 ? null : (epochs[i] ?? null));
          }}
        />
        <span className="muted">
          {epochs.length} of the run's epochs kept ({epochs[0]}–{epochs.at(-1)})
        </span>
      </label>
    </div>
  );
}
