import Link from "next/link";
import { ApiErrorNotice, noticeProps } from "@/components/ApiErrorNotice";
import { CompareCharts } from "@/components/compare/CompareCharts";
import { RunPicker } from "@/components/compare/RunPicker";
import { differingKeys, labelFor } from "@/lib/differences";
import { serverQuery } from "@/lib/serverQuery";
import { type Epoch, HYPERPARAMETER_LABELS, percent, RUN_SUMMARY_FIELDS, type RunSummary } from "@/lib/types";

type RunWithEpochs = RunSummary & { epochs: Epoch[] };

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ ids?: string }> }) {
  const ids = ((await searchParams).ids ?? "").split(",").filter(Boolean);
  if (ids.length === 0) {
    return (
      <>
        <h1>Compare runs</h1>
        <RunPicker selected={[]} />
      </>
    );
  }
  let runs: RunWithEpochs[];
  try {
    runs = await Promise.all(
      ids.map(async (id) => {
        const { run } = await serverQuery<{ run: RunWithEpochs }>(
          `query ($id: ID!) { run(id: $id) { ${RUN_SUMMARY_FIELDS} epochs { epoch iteration loss trainAcc valAcc learningRate elapsedMs } } }`,
          { id },
        );
        return run;
      }),
    );
  } catch (error) {
    return <ApiErrorNotice {...noticeProps(error, "Could not load the runs.")} />;
  }
  const differing = differingKeys(runs);
  const curves = runs.map((r) => ({
    label: labelFor(r.hyperparameters, differing, r.uuid.slice(0, 8)),
    epochs: r.epochs,
  }));
  const keys = Object.keys(HYPERPARAMETER_LABELS) as (keyof typeof HYPERPARAMETER_LABELS)[];
  const stillRunning = runs.some((r) => r.status === "QUEUED" || r.status === "RUNNING");
  return (
    <>
      <h1>Compare {runs.length} runs</h1>
      <p className="muted">
        Curves are labelled by what differs:{" "}
        {differing.map((k) => HYPERPARAMETER_LABELS[k]).join(", ") || "nothing (same hyperparameters)"}.
        {stillRunning && (
          <>
            {" "}
            Some runs are still training: <Link href={`/compare?ids=${ids.join(",")}`}>refresh</Link> for the latest
            epochs.
          </>
        )}
      </p>
      <CompareCharts curves={curves} />
      <table aria-label="Hyperparameters of the compared runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Status</th>
            {keys.map((k) => (
              <th key={k} className="num" style={differing.includes(k) ? { color: "var(--accent)" } : undefined}>
                {HYPERPARAMETER_LABELS[k]}
              </th>
            ))}
            <th className="num">Best val</th>
            <th className="num">Final val</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r, i) => (
            <tr key={r.id}>
              <td>
                <Link href={`/runs/${r.uuid}`}>{curves[i]!.label}</Link>
              </td>
              <td>{r.status}</td>
              {keys.map((k) => (
                <td key={k} className="num">
                  {r.hyperparameters[k]}
                </td>
              ))}
              <td className="num">{percent(r.bestValAcc)}</td>
              <td className="num">{percent(r.finalValAcc)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Change the selection</h2>
      <RunPicker selected={runs.map((r) => r.uuid)} />
    </>
  );
}
