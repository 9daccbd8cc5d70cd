"use client";
// The runs list: live status and progress (runsChanged), sortable and filterable with both kept in
// the address (so a link or a reload shows the same list), read a page at a time ("Load more"), runs
// selectable for a comparison, and deletable.
import { graphql, type RunOrder, readFragment } from "@trainql/graphql";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { useMutation } from "urql";
import { TableScroll } from "@/components/TableScroll";
import { usePagedQuery } from "@/lib/api/usePagedQuery";
import { BEST_EPOCH_VAL, FINAL_VAL } from "@/lib/runs/valAccuracy";
import { count } from "@/lib/text/count";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { plural } from "@/lib/text/plural";
import { percent, RUN_STATUSES, type RunStatus, type RunSummary, RunSummaryFragment } from "@/lib/types";
import { LoadMore } from "../LoadMore";
import { LocalTime, localTime } from "../LocalTime";
import { useApiErrorText } from "../Providers";
import { ProgressBar, StatusBadge, TestAccuracyCell } from "./RunBits";
import { TagChips } from "./TagChips";
import { useRunsChanged } from "./useRunsChanged";

// A Record, so an order added to the schema fails the typecheck until it is handled here.
const ORDER_SET: Record<RunOrder, true> = {
  CREATED_AT_DESC: true,
  CREATED_AT_ASC: true,
  BEST_VAL_ACC_DESC: true,
  BEST_VAL_ACC_ASC: true,
  FINAL_VAL_ACC_DESC: true,
  FINAL_VAL_ACC_ASC: true,
};
const ORDERS = Object.keys(ORDER_SET) as RunOrder[];
type Order = RunOrder;

const RUNS = graphql(
  `
  query Runs($status: [RunStatus!], $orderBy: RunOrder, $filter: RunFilter, $first: Int, $after: String) {
    runs(first: $first, after: $after, status: $status, orderBy: $orderBy, filter: $filter) {
      edges { node { id ...RunSummary } }
      pageInfo { hasNextPage endCursor }
    }
  }
`,
  [RunSummaryFragment],
);
// Runs per page. "Load more" adds a page; every page shown is refreshed on changes.
const PAGE_SIZE = 100;
const DELETE = graphql(`mutation DeleteRun($id: ID!) { deleteRun(id: $id) }`);

/** The list's settings, read from the address; anything unknown there falls back to the default. */
function useListSettings() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const sort = params.get("sort");
  const filter = params.get("status");
  const order: Order = ORDERS.includes(sort as Order) ? (sort as Order) : "CREATED_AT_DESC";
  const status: RunStatus | "" = RUN_STATUSES.includes(filter as RunStatus) ? (filter as RunStatus) : "";
  const tags = params.getAll("tag");
  const name = params.get("name") ?? "";
  // The address as last asked for. router.replace lands in a transition, so a change made before
  // the last one is rendered (two tag chips removed in quick succession) builds on that one, not on
  // the address this render read: else the second undid the first.
  const latest = useRef(params.toString());
  useEffect(() => {
    latest.current = params.toString();
  }, [params]);
  const set = useCallback(
    (key: "sort" | "status" | "tag" | "name", values: (current: string[]) => string[]) => {
      const next = new URLSearchParams(latest.current);
      const updated = values(next.getAll(key));
      next.delete(key);
      for (const v of updated) if (v) next.append(key, v);
      const query = next.toString();
      latest.current = query;
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
    },
    [router, pathname],
  );
  // The same function from render to render: the name filter's delay depends on it, and a new one
  // each render restarted the delay whenever the list re-rendered (every runsChanged event).
  const setName = useCallback((n: string) => set("name", () => [n]), [set]);
  return {
    order,
    status,
    tags,
    name,
    setOrder: (o: Order) => set("sort", () => [o === "CREATED_AT_DESC" ? "" : o]),
    setStatus: (s: RunStatus | "") => set("status", () => [s]),
    /** Tags from the current ones (as last asked for, see above). */
    setTags: (update: (current: string[]) => string[]) => set("tag", (current) => [...new Set(update(current))]),
    setName,
  };
}

export function RunsTable() {
  const { order, status, tags, name, setOrder, setStatus, setTags, setName } = useListSettings();
  const router = useRouter();
  const [nameDraft, setNameDraft] = useNameDraft(name, setName);
  const list = usePagedQuery(
    RUNS,
    {
      orderBy: order,
      status: status ? [status] : null,
      filter: tags.length > 0 || name ? { tags, nameContains: name || null } : null,
    },
    (data) => data.runs,
    PAGE_SIZE,
  );
  const { refresh, error } = list;
  const [deleteState, deleteRun] = useMutation(DELETE);
  const errorText = useApiErrorText();
  const [selected, setSelected] = useState<Set<string>>(new Set());

  useRunsChanged(refresh);

  const runs = list.nodes?.map((node) => readFragment(RunSummaryFragment, node)) ?? [];
  const sortBy = (key: "CREATED_AT" | "BEST_VAL_ACC" | "FINAL_VAL_ACC") =>
    setOrder((order === `${key}_DESC` ? `${key}_ASC` : `${key}_DESC`) as Order);
  const arrow = (key: string) => (order.startsWith(key) ? (order.endsWith("DESC") ? " ↓" : " ↑") : "");
  // The arrow is drawn; a screen reader hears the header's aria-sort.
  const ariaSort = (key: string) =>
    order.startsWith(`${key}_`) ? (order.endsWith("DESC") ? "descending" : "ascending") : "none";
  const toggle = (uuid: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(uuid)) next.delete(uuid);
      else next.add(uuid);
      return next;
    });
  // Only runs still listed count (a deleted or filtered-out run drops out of the selection).
  const chosen = runs.filter((r) => selected.has(r.uuid)).map((r) => r.uuid);

  async function remove(run: RunSummary) {
    const when = localTime(run.createdAt);
    if (!window.confirm(`Delete the run of ${when} (${run.uuid.slice(0, 8)}) with its metrics and weights?`)) return;
    const result = await deleteRun({ id: run.id });
    if (!result.error) refresh();
  }

  return (
    <>
      <div className="toolbar">
        <Link href="/runs/new" className="button">
          New run
        </Link>
        <button
          type="button"
          className="secondary"
          disabled={chosen.length < 2}
          onClick={() => router.push(`/compare?ids=${chosen.join(",")}`)}
        >
          Compare {chosen.length >= 2 ? plural(chosen.length, "run") : "selected runs"}
        </button>
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
        <input
          type="search"
          placeholder="Name contains…"
          aria-label="Filter by name"
          value={nameDraft}
          onChange={(e) => setNameDraft(e.target.value)}
        />
        <TagFilter tags={tags} onChange={setTags} />
        {list.fetching && <span className="muted">updating…</span>}
      </div>
      {error && <p className="error">Could not load runs: {errorText(error)}</p>}
      {deleteState.error && (
        <p className="error" role="alert">
          Could not delete: {errorText(deleteState.error)}
        </p>
      )}
      {!list.nodes && !error && <p className="muted">Loading runs…</p>}
      {list.nodes && runs.length === 0 && (
        <div className="empty">
          {status || tags.length > 0 || name ? "No runs match the filters." : "No runs yet."}{" "}
          <Link href="/runs/new">Start one</Link> or launch an <Link href="/experiments">experiment</Link>.
        </div>
      )}
      {runs.length > 0 && (
        <TableScroll>
          <table aria-label="Runs">
            <thead>
              <tr>
                <th>
                  <span className="visually-hidden">Select</span>
                </th>
                <th aria-sort={ariaSort("CREATED_AT")}>
                  <button type="button" onClick={() => sortBy("CREATED_AT")}>
                    Created{arrow("CREATED_AT")}
                  </button>
                </th>
                {/* (Status before the name: at a phone's width, the columns after it scroll.) */}
                <th>Status</th>
                <th title="The run's name (e.g. the study that launched it), the sweep or seed group it belongs to, and its tags">
                  Name
                </th>
                {/* (The results first: at a laptop's width the columns after them scroll.) */}
                <th className="num" title={FINAL_VAL.title} aria-sort={ariaSort("FINAL_VAL_ACC")}>
                  <button type="button" onClick={() => sortBy("FINAL_VAL_ACC")}>
                    {FINAL_VAL.label}
                    {arrow("FINAL_VAL_ACC")}
                  </button>
                </th>
                <th className="num" title={BEST_EPOCH_VAL.title} aria-sort={ariaSort("BEST_VAL_ACC")}>
                  <button type="button" onClick={() => sortBy("BEST_VAL_ACC")}>
                    {BEST_EPOCH_VAL.label}
                    {arrow("BEST_VAL_ACC")}
                  </button>
                </th>
                <th className="num">Test</th>
                <th>Progress</th>
                <th className="num">Iterations</th>
                <th className="num">Hidden</th>
                <th className="num">LR</th>
                <th className="num">Reg</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} data-run-id={run.uuid}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`select run ${run.uuid}`}
                      checked={selected.has(run.uuid)}
                      onChange={() => toggle(run.uuid)}
                    />
                  </td>
                  <td>
                    <Link href={`/runs/${run.uuid}`}>
                      <LocalTime iso={run.createdAt} />
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={run.status} />
                  </td>
                  <td data-testid="group">
                    {run.name}
                    {run.sweepId && (
                      <>
                        {run.name && " · "}
                        <Link href={`/sweeps/${run.sweepId}`}>sweep {run.sweepId.slice(0, 8)}</Link>
                      </>
                    )}
                    {run.group && (
                      <>
                        {(run.name || run.sweepId) && " · "}
                        <Link href={`/groups/${run.group.uuid}`}>seed group {run.group.uuid.slice(0, 8)}</Link>
                      </>
                    )}
                    {!run.name && !run.sweepId && !run.group && run.tags.length === 0 && "—"}{" "}
                    <TagChips tags={run.tags} onPick={(tag) => setTags((current) => [...current, tag])} />
                  </td>
                  <td className="num">{percent(run.finalValAcc)}</td>
                  <td className="num" data-testid="best-val">
                    {percent(run.bestValAcc)}
                  </td>
                  <TestAccuracyCell run={run} />
                  <td>
                    <ProgressBar
                      value={run.progress}
                      label={`Progress of ${run.name ?? `run ${run.uuid.slice(0, 8)}`}`}
                    />
                  </td>
                  <td className="num" data-testid="iterations" title="trained / planned">
                    {count(run.iteration)} / {count(run.hyperparameters.numIters)}
                  </td>
                  <td className="num">{run.hyperparameters.hiddenSize}</td>
                  <td className="num">{hyperparameterText(run.hyperparameters.learningRate)}</td>
                  <td className="num">{hyperparameterText(run.hyperparameters.reg)}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      disabled={run.status === "RUNNING" || deleteState.fetching}
                      title={run.status === "RUNNING" ? "Cancel the run first" : undefined}
                      onClick={() => void remove(run)}
                      aria-label={`delete run ${run.uuid}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <LoadMore list={list} testId="runs-shown">
        Showing the first {plural(runs.length, "run")}; more match.
      </LoadMore>
    </>
  );
}

/**
 * The "Name contains…" box: typing filters after a pause, not on every key, and the box follows the
 * address when it changes from outside (Back, a link). The names this box wrote itself are told
 * apart: such a navigation lands a while later, and copying its (by then stale) name into the box
 * wiped the letters typed meanwhile and cancelled their pending filter.
 */
function useNameDraft(name: string, setName: (name: string) => void) {
  const [draft, setDraft] = useState(name);
  // Written and not landed yet, oldest first: a later write may land before an earlier one is dropped.
  const written = useRef<string[]>([]);
  useEffect(() => {
    const mine = written.current.indexOf(name);
    if (mine >= 0) {
      written.current.splice(0, mine + 1);
      return;
    }
    written.current = [];
    // Kept when it filters the same: the filter is trimmed, and a space typed before the next word
    // must stay in the box.
    setDraft((d) => (d.trim() === name ? d : name));
  }, [name]);
  useEffect(() => {
    const wanted = draft.trim();
    if (wanted === (written.current.at(-1) ?? name)) return;
    const timer = setTimeout(() => {
      written.current.push(wanted);
      setName(wanted);
    }, 300);
    return () => clearTimeout(timer);
  }, [draft, name, setName]);
  return [draft, setDraft] as const;
}

/** The tags the list is filtered by (runs must carry all), as removable chips, and a field to add one. */
function TagFilter({
  tags,
  onChange,
}: {
  tags: string[];
  onChange: (update: (current: string[]) => string[]) => void;
}) {
  const [draft, setDraft] = useState("");
  return (
    <form
      className="tag-filter"
      aria-label="Filter by tags"
      onSubmit={(e) => {
        e.preventDefault();
        const added = draft.split(/[\s,]+/).filter(Boolean);
        if (added.length > 0) onChange((current) => [...current, ...added]);
        setDraft("");
      }}
    >
      <input
        type="search"
        placeholder="Tag…"
        aria-label="Add a tag filter"
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        style={{ width: "8rem" }}
      />
      {tags.map((tag) => (
        <button
          key={tag}
          type="button"
          className="chip"
          aria-label={`Remove tag filter ${tag}`}
          onClick={() => onChange((current) => current.filter((t) => t !== tag))}
        >
          {tag} ×
        </button>
      ))}
    </form>
  );
}
