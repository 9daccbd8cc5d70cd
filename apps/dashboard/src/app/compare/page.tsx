import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { type ComparedRun, CompareView } from "@/components/compare/CompareView";
import { RunPicker } from "@/components/compare/RunPicker";
import { isNotFound, noticeProps, serverQuery } from "@/lib/serverQuery";
import { RUN_SUMMARY_FIELDS } from "@/lib/types";

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
        const { run } = await serverQuery<{ run: ComparedRun }>(
          `query ($id: ID!) { run(id: $id) { ${RUN_SUMMARY_FIELDS} epochs { epoch iteration loss trainAcc valAcc learningRate elapsedMs } } }`,
          { id },
        );
        return run;
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
