"use client";
// The comparison, live: each run still training streams its losses, epochs and status (runEvents), as
// on the run page, so the curves grow and the table fills in without a reload. The API streams only
// so many operations to one connection: a run it refuses to stream is read again every few seconds
// instead, and the page says so.
import Link from "next/link";
import { useEffect, useState } from "react";
import { useClient } from "urql";
import { ValAccuracyCells, ValAccuracyHeaders } from "@/components/runs/ValAccuracyColumns";
import { TableScroll } from "@/components/TableScroll";
import {
  applyComparedRunEvent,
  COMPARED_RUN,
  COMPARED_RUN_EVENTS,
  type ComparedRun,
  comparedRun,
} from "@/lib/compare/comparedRun";
import { curveLabels, differingKeys } from "@/lib/compare/differences";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { plural } from "@/lib/text/plural";
import { HYPERPARAMETER_LABELS, isLive } from "@/lib/types";
import { Downloads } from "../Downloads";
import { useApiErrorText } from "../Providers";
import { StatusBadge } from "../runs/RunBits";
import { ClassAccuracyTable } from "./ClassAccuracyTable";
import { CompareCharts } from "./CompareCharts";

/** How often a run whose stream the API refused is read again. */
const POLL_MS = 5000;

/** `study`: the experiment that launched these runs, when the comparison was opened from it. */
export function CompareView({ initial, study }: { initial: ComparedRun[]; study?: string | undefined }) {
  const client = useClient();
  const errorText = useApiErrorText();
  const [runs, setRuns] = useState(initial);
  useEffect(() => setRuns(initial), [initial]);

  // Runs whose stream ended in an error (the API refuses more than its limit of operations on one
  // connection), with the API's reason: before, they silently stopped updating.
  const [refused, setRefused] = useState<ReadonlyMap<string, string>>(new Map());

  // Subscribe to the runs that can still change; a replay of stored epochs folds in without duplicates.
  const live = initial.filter((r) => isLive(r.status)).map((r) => r.id);
  const liveKey = live.join(",");
  useEffect(() => {
    setRefused(new Map());
    const subscriptions = liveKey
      .split(",")
      .filter(Boolean)
      .map((id) =>
        client.subscription(COMPARED_RUN_EVENTS, { runId: id }).subscribe((result) => {
          if (result.error) {
            const reason = errorText(result.error);
            setRefused((m) => new Map(m).set(id, reason));
          }
          const event = result.data?.runEvents;
          if (event) setRuns((all) => all.map((r) => (r.id === id ? applyComparedRunEvent(r, event) : r)));
        }),
      );
    return () => {
      for (const s of subscriptions) s.unsubscribe();
    };
  }, [client, liveKey, errorText]);

  // The refused runs that can still change, read again every POLL_MS until they end.
  const polledKey = runs
    .filter((r) => refused.has(r.id) && isLive(r.status))
    .map((r) => r.id)
    .join(",");
  useEffect(() => {
    if (!polledKey) return;
    const timer = setInterval(async () => {
      for (const id of polledKey.split(",")) {
        const result = await client.query(COMPARED_RUN, { id }, { requestPolicy: "network-only" }).toPromise();
        const run = result.data?.run;
        if (run) setRuns((all) => all.map((r) => (r.id === id ? comparedRun(run) : r)));
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [client, polledKey]);

  const differing = differingKeys(runs);
  const labels = curveLabels(runs);
  const curves = runs.map((r, i) => ({
    label: labels[i]!,
    epochs: r.epochs,
    losses: r.losses,
    divergedAtIteration: r.divergedAtIteration,
    forkedAtIteration: r.epochs.find((e) => e.epoch === r.forkedAtEpoch)?.iteration ?? null,
  }));
  const keys = Object.keys(HYPERPARAMETER_LABELS) as (keyof typeof HYPERPARAMETER_LABELS)[];
  const training = runs.some((r) => isLive(r.status));
  const refusedLabels = runs.flatMap((r, i) => (refused.has(r.id) ? [labels[i]!] : []));
  const reasons = [...new Set(refused.values())];
  return (
    <>
      <h1>
        {study ? `${study} study: compare` : "Compare"} {plural(runs.length, "run")}
      </h1>
      <p className="muted">
        Curves are labelled by what differs:{" "}
        {differing.map((k) => HYPERPARAMETER_LABELS[k]).join(", ") || "nothing (same hyperparameters)"}.
        {training && " Runs still training update live."}
      </p>
      {refusedLabels.length > 0 && (
        <p className="warning" role="status" data-testid="live-refused">
          No live updates for {plural(refusedLabels.length, "run")} ({refusedLabels.join("; ")}): the API refused them (
          {reasons.join(" ")}). They are read again every {POLL_MS / 1000} s instead, until they end.
        </p>
      )}
      <div className="toolbar">
        <Downloads
          label="Download these runs"
          links={(["csv", "json"] as const).map((format) => ({
            label: format.toUpperCase(),
            path: `/compare/export.${format}?ids=${runs.map((r) => r.uuid).join(",")}`,
            title: "Hyperparameters, every loss and epoch of each run",
          }))}
        />
      </div>
      <CompareCharts curves={curves} />
      <TableScroll>
        <table aria-label="Hyperparameters of the compared runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              {/* (The results first: at a laptop's width the hyperparameters after them scroll.) */}
              <ValAccuracyHeaders />
              {keys.map((k) =>
                differing.includes(k) ? (
                  // (Said in words too, not by colour alone.)
                  <th key={k} className="num differs" title="Differs between the runs">
                    {HYPERPARAMETER_LABELS[k]} <span aria-hidden="true">≠</span>
                    <span className="visually-hidden">(differs)</span>
                  </th>
                ) : (
                  <th key={k} className="num">
                    {HYPERPARAMETER_LABELS[k]}
                  </th>
                ),
              )}
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.id} data-run-id={r.uuid} data-epochs={r.epochs.length}>
                <td>
                  <Link href={`/runs/${r.uuid}`}>{curves[i]!.label}</Link>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                  {refused.has(r.id) && isLive(r.status) && (
                    <span className="muted" title={`No live updates: read again every ${POLL_MS / 1000} s`}>
                      {" "}
                      (polled)
                    </span>
                  )}
                </td>
                <ValAccuracyCells run={r} testIds />
                {keys.map((k) => (
                  <td key={k} className="num">
                    {hyperparameterText(r.hyperparameters[k], k)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ClassAccuracyTable runs={runs} labels={labels} />
    </>
  );
}
