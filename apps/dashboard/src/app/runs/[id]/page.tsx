import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { RunDetail } from "@/components/runs/RunDetail";
import { isNotFound, noticeProps, serverQuery } from "@/lib/serverQuery";
import { RUN_SUMMARY_FIELDS, type RunSummary } from "@/lib/types";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let run: RunSummary;
  try {
    ({ run } = await serverQuery<{ run: RunSummary }>(`query ($id: ID!) { run(id: $id) { ${RUN_SUMMARY_FIELDS} } }`, {
      id,
    }));
  } catch (error) {
    if (isNotFound(error)) notFound();
    return (
      <>
        <h1>Run</h1>
        <ApiErrorNotice {...noticeProps(error, "Could not load the run.")} />
        <Link href="/">Back to the runs</Link>
      </>
    );
  }
  const hp = run.hyperparameters;
  return (
    <>
      <h1>
        {run.name ?? "Run"} <span className="muted">{run.uuid.slice(0, 8)}</span> — hidden {hp.hiddenSize}, lr{" "}
        {hp.learningRate}, reg {hp.reg}
      </h1>
      <RunDetail initial={run} />
    </>
  );
}
