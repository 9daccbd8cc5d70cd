"use client";
// The runs list: live status and progress (runsChanged), sortable, filterable by status.
import Link from "next/link";
import { useEffect, useState } from "react";
import { useQuery, useSubscription } from "urql";
import { percent, RUN_STATUSES, RUN_SUMMARY_FIELDS, type RunStatus, type RunSummary } from "@/lib/types";
import { ProgressBar, StatusBadge } from "./RunBits";

type Order = "CREATED_AT_DESC" | "CREATED_AT_ASC" | "BEST_VAL_ACC_DESC" | "BEST_VAL_ACC_ASC";

const RUNS = `query Runs($status: [RunStatus!], $orderBy: RunOrder) {
  runs(first: 200, status: $status, orderBy: $orderBy) { edges { node { ${RUN_SUMMARY_FIELDS} } } }
}`;
const RUNS_CHANGED = `subscription { runsChanged { kind runId } }`;

export function RunsTable() {
  const [order, setOrder] = useState<Order>("CREATED_AT_DESC");
  const [status, setStatus] = useState<RunStatus | "">("");
  const [{ data, fetching, error }, refetch] = useQuery<{ runs: { edges: { node: RunSummary }[] } }>({
    query: RUNS,
    variables: { orderBy: order, status: status ? [status] : null },
  });
  const [changes] = useSubscription({ query: RUNS_CHANGED });

  // Any change to any run: refetch the list, at most about every 500 ms.
  useEffect(() => {
    if (!changes.data) return;
    const timer = setTimeout(() => refetch({ requestPolicy: "network-only" }), 500);
    return () => clearTimeout(timer);
  }, [changes.data, refetch]);

  const runs = data?.runs.edges.map((e) => e.node) ?? [];
  const sortBy = (key: "CREATED_AT" | "BEST_VAL_ACC") =>
    setOrder((o) => (o === `${key}_DESC` ? `${key}_ASC` : `${key}_DESC`) as Order);
  const arrow = (key: string) => (order.startsWith(key) ? (order.endsWith("DESC") ? " ↓" : " ↑") : "");

  return (
    <>
      <div className="toolbar">
        <Link href="/runs/new" className="button">
          New run
        </Link>
        <label>
          Status{" "}
          <select
            value={status}
            onChange={(e) => setStatus(e.target.value as RunStatus | "")}
            aria-label="Filter by status"
          >
            <option value="">all</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        {fetching && <span className="muted">updating…</span>}
      </div>
      {error && <p className="error">Could not load runs: {error.message}</p>}
      {!data && !error && <p className="muted">Loading runs…</p>}
      {data && runs.length === 0 && (
        <div className="empty">
          {status ? `No ${status.toLowerCase()} runs.` : "No runs yet."} <Link href="/runs/new">Start one</Link> or
          launch an <Link href="/experiments">experiment</Link>.
        </div>
      )}
      {runs.length > 0 && (
        <table aria-label="Runs">
          <thead>
            <tr>
              <th>
                <button type="button" onClick={() => sortBy("CREATED_AT")}>
                  Created{arrow("CREATED_AT")}
                </button>
              </th>
              <th>Status</th>
              <th>Progress</th>
              <th className="num">Hidden</th>
              <th className="num">LR</th>
              <th className="num">Reg</th>
              <th className="num">Iters</th>
              <th className="num">
                <button type="button" onClick={() => sortBy("BEST_VAL_ACC")}>
                  Best val{arrow("BEST_VAL_ACC")}
                </button>
              </th>
              <th className="num">Test</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id} data-run-id={run.uuid}>
                <td>
                  <Link href={`/runs/${run.uuid}`}>{new Date(run.createdAt).toLocaleString()}</Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>
                  <ProgressBar value={run.progress} />
                </td>
                <td className="num">{run.hyperparameters.hiddenSize}</td>
                <td className="num">{run.hyperparameters.learningRate}</td>
                <td className="num">{run.hyperparameters.reg}</td>
                <td className="num">{run.hyperparameters.numIters}</td>
                <td className="num">{percent(run.bestValAcc)}</td>
                <td className="num">{percent(run.testAcc)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
