"use client";
// Choose runs to compare: recent runs with checkboxes; the selection lives in the URL.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useQuery } from "urql";
import { plural } from "@/lib/plural";
import { percent, type RunStatus } from "@/lib/types";

const RECENT = `{ runs(first: 100) { edges { node { uuid status bestValAcc createdAt hyperparameters { hiddenSize learningRate reg numIters } } } } }`;

type Row = {
  uuid: string;
  status: RunStatus;
  bestValAcc: number | null;
  createdAt: string;
  hyperparameters: { hiddenSize: number; learningRate: number; reg: number; numIters: number };
};

export function RunPicker({ selected }: { selected: string[] }) {
  const router = useRouter();
  const [chosen, setChosen] = useState(new Set(selected));
  const [{ data, error }] = useQuery<{ runs: { edges: { node: Row }[] } }>({ query: RECENT });
  if (error) return <p className="error">Could not load runs: {error.message}</p>;
  if (!data) return <p className="muted">Loading runs…</p>;
  const runs = data.runs.edges.map((e) => e.node);
  if (runs.length === 0) return <div className="empty">No runs to compare yet.</div>;
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
        <button
          type="button"
          disabled={chosen.size < 2}
          onClick={() => router.push(`/compare?ids=${[...chosen].join(",")}`)}
        >
          Compare {plural(chosen.size, "run")}
        </button>
        <span className="muted">Pick two or more.</span>
      </div>
      <div className="table-scroll">
        <table aria-label="Runs to compare">
          <tbody>
            {runs.map((r) => (
              <tr key={r.uuid}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select run ${r.uuid}`}
                    checked={chosen.has(r.uuid)}
                    onChange={() => toggle(r.uuid)}
                  />
                </td>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
                <td>{r.status}</td>
                <td>
                  hidden {r.hyperparameters.hiddenSize}, lr {r.hyperparameters.learningRate}, reg{" "}
                  {r.hyperparameters.reg}, {r.hyperparameters.numIters} it
                </td>
                <td className="num">{percent(r.bestValAcc)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
