"use client";
// The sweeps list: newest first, a page at a time ("Load more"), each sweep's status and best model
// kept up to date while its trials train (their runsChanged events), also when the page is opened
// again with Back.
import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { useEffect } from "react";
import { TableScroll } from "@/components/TableScroll";
import { usePagedQuery } from "@/lib/api/usePagedQuery";
import { FINAL_VAL } from "@/lib/runs/valAccuracy";
import { STRATEGY_LABELS, trialsText } from "@/lib/sweeps/sweeps";
import { plural } from "@/lib/text/plural";
import { percent } from "@/lib/types";
import { LoadMore } from "../LoadMore";
import { LocalTime } from "../LocalTime";
import { useApiErrorText } from "../Providers";
import { StatusBadge } from "../runs/RunBits";
import { useRunsChanged } from "../runs/useRunsChanged";

const SWEEPS = graphql(`
  query SweepsPage($first: Int, $after: String) {
    sweeps(first: $first, after: $after) {
      edges { node { id uuid status strategy createdAt itersSpent gridIters seeds trials { id } groups { id } bestRun { finalValAcc testAcc } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
// Sweeps per page. "Load more" adds a page; every page shown is refreshed on changes.
const PAGE_SIZE = 100;
// A sweep's own end (its status, its best model) is published to its page (sweepEvents), not as a
// run change: while one is running, the list also reads again this often.
const POLL_MS = 5000;

export function SweepsTable() {
  const list = usePagedQuery(SWEEPS, {}, (data) => data.sweeps, PAGE_SIZE);
  const errorText = useApiErrorText();
  // A sweep changes when its trials do: each is a run.
  useRunsChanged(list.refresh);
  const sweeps = list.nodes ?? [];
  const running = sweeps.some((s) => s.status === "RUNNING");
  const { refresh } = list;
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [running, refresh]);
  return (
    <>
      {list.error && <p className="error">Could not load sweeps: {errorText(list.error)}</p>}
      {!list.nodes && !list.error && <p className="muted">Loading sweeps…</p>}
      {list.nodes && sweeps.length === 0 && (
        <div className="empty">
          No sweeps yet. <Link href="/sweeps/new">Start one</Link>.
        </div>
      )}
      {sweeps.length > 0 && (
        <TableScroll>
          <table aria-label="Sweeps">
            <thead>
              <tr>
                <th>Created</th>
                <th>Status</th>
                {/* (The results first, as in the runs list: on a phone the columns after them scroll.) */}
                <th className="num" title={FINAL_VAL.title}>
                  Best model: {FINAL_VAL.label.toLowerCase()}
                </th>
                <th className="num">Best model: test</th>
                <th>Strategy</th>
                <th className="num">Trials</th>
                <th className="num">Iterations vs grid</th>
              </tr>
            </thead>
            <tbody>
              {sweeps.map((s) => (
                <tr key={s.uuid} data-sweep-id={s.uuid}>
                  <td>
                    <Link href={`/sweeps/${s.uuid}`}>
                      <LocalTime iso={s.createdAt} />
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td className="num">{percent(s.bestRun?.finalValAcc)}</td>
                  <td className="num">{percent(s.bestRun?.testAcc)}</td>
                  <td>{STRATEGY_LABELS[s.strategy]}</td>
                  <td className="num">{trialsText(s)}</td>
                  <td className="num">{((100 * s.itersSpent) / s.gridIters).toFixed(1)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <LoadMore list={list} testId="sweeps-shown">
        Showing the newest {plural(sweeps.length, "sweep")}; older ones are one click away.
      </LoadMore>
    </>
  );
}
