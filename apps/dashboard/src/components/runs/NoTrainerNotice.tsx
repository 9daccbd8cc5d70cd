"use client";
// Why a queued run does not start: no trainer is running. Without it a QUEUED run's page looked the
// same whether a trainer was busy or none existed. Asked again every few seconds while the run waits,
// so the notice goes when a trainer starts (and the run with it).
import { graphql } from "@trainql/graphql";
import { useEffect } from "react";
import { useQuery } from "urql";

const TRAINER_PRESENT = graphql(`query TrainerPresent { backend { name } }`);
const POLL_MS = 5000;

/** `waiting`: what waits for a trainer (the run, queued, or its evaluation on the test set), or nothing. */
export function NoTrainerNotice({ waiting }: { waiting: "run" | "evaluation" | null }) {
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
  if (waiting === null || !data || data.backend !== null) return null;
  return (
    <p className="warning" data-testid="no-trainer">
      No trainer is running: {waiting === "run" ? "this run" : "its evaluation on the test set"} waits in the queue
      until one starts.
    </p>
  );
}
