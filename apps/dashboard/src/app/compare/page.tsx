import { graphql, readFragment } from "@trainql/graphql";
import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { type ComparedRun, CompareView } from "@/components/compare/CompareView";
import { RunPicker } from "@/components/compare/RunPicker";
import { isNotFound, noticeProps, serverQuery } from "@/lib/serverQuery";
import { EpochFields, RunSummaryFragment } from "@/lib/types";

const RUN = graphql(
  `query CompareRun($id: ID!) {
    run(id: $id) { ...RunSummary epochs { ...EpochFields } lossHistory(maxPoints: 1000) { iteration loss } }
  }`,
  [RunSummaryFragment, EpochFields],
);

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<{ ids?: string; study?: string }>;
}) {
  const { ids: idList, study } = await searchParams;
  const ids = (idList ?? "").split(",").filter(Boolean);
  if (ids.length === 0) {
    return (
      <>
        <h1>Compare runs</h1>
        <RunPicker selected={[]} />
      </>
    );
  }
  let runs: ComparedRun[];
  try {
    runs = await Promise.all(
      ids.map(async (id) => {
        const { run } = await serverQuery(RUN, { id });
        return {
          ...readFragment(RunSummaryFragment, run),
          epochs: run.epochs,
          losses: run.lossHistory.map((p): [number, number] => [p.iteration, p.loss]),
        };
      }),
    );
  } catch (error) {
    if (isNotFound(error)) notFound();
    return <ApiErrorNotice {...noticeProps(error, "Could not load the runs.")} />;
  }
  return (
    <>
      <CompareView initial={runs} study={study} />
      <h2>Change the selection</h2>
      <RunPicker selected={runs.map((r) => r.uuid)} />
    </>
  );
}
