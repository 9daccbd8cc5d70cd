"use client";
// Why a queued run does not start: no trainer is running, or none that is has the run's data set (its
// own trainer restarting, say). Without it a QUEUED run's page looked the same whether a trainer was
// busy or none could take the run. Asked again every few seconds while the run waits, so the notice
// goes when a trainer starts (and the run with it).
import { graphql } from "@trainql/graphql";
import { useEffect } from "react";
import { useQuery } from "urql";

const TRAINER_PRESENT = graphql(`query TrainerPresent { backend { name } trainers { id dataset { fingerprint } } }`);
const POLL_MS = 5000;

/**
 * `waiting`: what waits for a trainer (the run, queued, or its evaluation on the test set), or nothing.
 * `dataFingerprint`: the data set the run trains on (null until its first trainer's becomes its own).
 */
export function NoTrainerNotice({
  waiting,
  dataFingerprint,
}: {
  waiting: "run" | "evaluation" | null;
  dataFingerprint: string | null;
}) {
  const [{ data }, refetch] = useQuery({
    query: TRAINER_PRESENT,
    pause: waiting === null,
    requestPolicy: "network-only",
  });
  useEffect(() => {
    if (waiting === null) return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), POLL_MS);
    return () => clearInterval(timer);
  }, [waiting, refetch]);
  if (waiting === null || !data) return null;
  const what = waiting === "run" ? "this run" : "its evaluation on the test set";
  if (data.backend === null)
    return (
      <p className="warning" data-testid="no-trainer">
        No trainer is running: {what} waits in the queue until one starts.
      </p>
    );
  const withData = data.trainers.some((t) => t.dataset?.fingerprint === dataFingerprint);
  if (waiting !== "run" || dataFingerprint === null || withData) return null;
  return (
    <p className="warning" data-testid="no-trainer">
      No running trainer has this run&apos;s data set (fingerprint {dataFingerprint}): it waits in the queue for one
      (its own trainer restarting, say), and fails if none starts within the trainers&apos; RUN_DATA_WAIT_MS (5 minutes
      by default).
    </p>
  );
}
