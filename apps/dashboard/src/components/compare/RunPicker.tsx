"use client";
// Choose runs to compare: recent runs with checkboxes, narrowed by a filter, older ones a "Load
// more" away; the selection lives in the URL. Runs of seed groups can also be compared by their groups (mean ± std of each).
import { graphql, type ResultOf } from "@trainql/graphql";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ValAccuracyCells, ValAccuracyHeaders } from "@/components/runs/ValAccuracyColumns";
import { TableScroll } from "@/components/TableScroll";
import { usePagedQuery } from "@/lib/api/usePagedQuery";
import { chartViewQuery } from "@/lib/charts/chartView";
import { count } from "@/lib/text/count";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { plural } from "@/lib/text/plural";
import { LoadMore } from "../LoadMore";
import { LocalTime } from "../LocalTime";
import { useApiErrorText } from "../Providers";
import { StatusBadge } from "../runs/RunBits";
import { useRunsChanged } from "../runs/useRunsChanged";

const RECENT = graphql(`
  query RecentRuns($first: Int, $after: String) {
    runs(first: $first, after: $after) {
      edges { node { id uuid name tags status finalValAcc bestValAcc createdAt sweepId group { uuid } hyperparameters { hiddenSize learningRate reg numIters } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);
const PAGE_SIZE = 100;

type Row = ResultOf<typeof RECENT>["runs"]["edges"][number]["node"];

const describe = (r: Row) =>
  `hidden ${r.hyperparameters.hiddenSize}, lr ${hyperparameterText(r.hyperparameters.learningRate)}, reg ${hyperparameterText(r.hyperparameters.reg)}, ${count(r.hyperparameters.numIters)} it`;

/**
 * `selected`: the runs compared now, checked. `groups`: the seed groups compared now; the chosen runs'
 * groups are added to them (a group's "Compare with other groups" lands here with its own).
 */
export function RunPicker({ selected, groups: compared = [] }: { selected: string[]; groups?: string[] }) {
  const router = useRouter();
  const [chosen, setChosen] = useState(new Set(selected));
  const [filter, setFilter] = useState("");
  const list = usePagedQuery(RECENT, {}, (data) => data.runs, PAGE_SIZE);
  // Statuses and accuracies follow the runs as they train, as the runs list's do.
  useRunsChanged(list.refresh);
  const errorText = useApiErrorText();
  if (list.error) return <p className="error">Could not load runs: {errorText(list.error)}</p>;
  if (!list.nodes) return <p className="muted">Loading runs…</p>;
  const runs = list.nodes;
  if (runs.length === 0) return <div className="empty">No runs to compare yet.</div>;
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  // Every word must appear in the row's name, tags, description, status, id or sweep; chosen runs
  // always stay.
  const shown = runs.filter((r) => {
    // (The iterations also as typed, "4000": the description groups them, "4,000".)
    const text =
      `${r.name ?? ""} ${r.tags.join(" ")} ${describe(r)} ${r.hyperparameters.numIters} ${r.status} ${r.uuid} ${r.sweepId ?? ""}`.toLowerCase();
    return chosen.has(r.uuid) || words.every((w) => text.includes(w));
  });
  // The seed groups of the chosen runs not compared yet, each once, in the order of the list.
  const added = [...new Set(runs.flatMap((r) => (chosen.has(r.uuid) && r.group ? [r.group.uuid] : [])))].filter(
    (uuid) => !compared.includes(uuid),
  );
  // The chart view (smoothing, zoom) set on this page stays: it fell out of the address, so a link
  // or a reload of the new comparison showed the plain view. Read at the click: the charts write it
  // into the address as it changes.
  const compare = (key: "ids" | "groups", uuids: string[]) => {
    const view = chartViewQuery(new URLSearchParams(window.location.search));
    router.push(`/compare?${key}=${uuids.join(",")}${view ? `&${view}` : ""}`);
  };
  const toggle = (uuid: string) =>
    setChosen((s) => {
      const next = new Set(s);
      if (next.has(uuid)) next.delete(uuid);
      else next.add(uuid);
      return next;
    });
  return (
    <div className="card">
      <div className="toolbar">
        <button type="button" disabled={chosen.size < 2} onClick={() => compare("ids", [...chosen])}>
          Compare {chosen.size === 0 ? "runs" : plural(chosen.size, "run")}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={added.length === 0}
          title="Each chosen run's seed group, as mean ± std"
          onClick={() => compare("groups", [...compared, ...added])}
        >
          {compared.length > 0 ? "Add" : "Compare"} their{" "}
          {added.length === 0 ? "seed groups" : plural(added.length, "seed group")}
        </button>
        <input
          type="search"
          placeholder="filter, e.g. hidden 128 succeeded, a name or tag"
          aria-label="Filter runs"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <span className="muted">Pick two or more runs, or runs of seed groups.</span>
      </div>
      <TableScroll>
        <table aria-label="Runs to compare">
          <thead>
            <tr>
              <th>
                <span className="visually-hidden">Select</span>
              </th>
              {/* (What tells runs apart first: at a phone's width, the columns after them scroll.) */}
              <th>Status</th>
              <th>Run</th>
              <ValAccuracyHeaders />
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.uuid}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select run ${r.uuid}`}
                    checked={chosen.has(r.uuid)}
                    onChange={() => toggle(r.uuid)}
                  />
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td>
                  {r.name && <strong>{r.name}: </strong>}
                  {describe(r)}
                  {r.tags.length > 0 && <span className="muted"> · {r.tags.join(", ")}</span>}
                </td>
                <ValAccuracyCells run={r} />
                <td>
                  <LocalTime iso={r.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <LoadMore list={list}>Showing the newest {plural(runs.length, "run")}; older ones are not listed yet.</LoadMore>
    </div>
  );
}
