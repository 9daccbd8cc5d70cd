import { graphql, type ResultOf, readFragment } from "@trainql/graphql";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { RunDetail } from "@/components/runs/RunDetail";
import { isNotFound, noticeProps, serverQuery } from "@/lib/api/serverQuery";
import { ReproductionFields, type RunOrigins } from "@/lib/runs/reproduction";
import { RunLabelsFragment } from "@/lib/runs/runLabels";
import { type TrainedOn, TrainedOnFragment } from "@/lib/runs/trainedOn";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { type RunSummary, RunSummaryFragment } from "@/lib/types";

const RUN = graphql(
  `query RunPage($id: ID!) { run(id: $id) { ...RunSummary ...TrainedOn ...RunLabels ...ReproductionFields hasCheckpoint } }`,
  [RunSummaryFragment, TrainedOnFragment, RunLabelsFragment, ReproductionFields],
);

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let run: RunSummary & TrainedOn;
  let page: ResultOf<typeof RUN>["run"];
  let origins: RunOrigins;
  try {
    page = (await serverQuery(RUN, { id })).run;
    run = { ...readFragment(RunSummaryFragment, page), ...readFragment(TrainedOnFragment, page) };
    origins = { group: page.group, reproducedFrom: page.reproducedFrom, reproduction: page.reproduction };
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
        {hyperparameterText(hp.learningRate)}, reg {hyperparameterText(hp.reg)}
      </h1>
      <RunDetail
        initial={run}
        labels={readFragment(RunLabelsFragment, page)}
        hasCheckpoint={page.hasCheckpoint}
        origins={origins}
      />
    </>
  );
}
