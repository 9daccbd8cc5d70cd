import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { CompareGroups } from "@/components/compare/CompareGroups";
import { CompareView } from "@/components/compare/CompareView";
import { RunPicker } from "@/components/compare/RunPicker";
import { isNotFound, noticeProps, serverQuery } from "@/lib/api/serverQuery";
import { COMPARED_RUN, type ComparedRun, comparedRun } from "@/lib/compare/comparedRun";
import { MAX_COMPARE, selectedIds } from "@/lib/compare/compareSelection";
import { type Group, GroupFields } from "@/lib/groups/groups";

const GROUP = graphql(`query CompareGroup($id: ID!) { runGroup(id: $id) { ...GroupFields } }`, [GroupFields]);

/** Each once: one listed twice (the same id, or its ID beside its UUID) would be drawn over itself. */
const once = <T extends { uuid: string }>(items: T[]): T[] => [...new Map(items.map((i) => [i.uuid, i])).values()];

export default async function ComparePage({
  searchParams,
}: {
  /** ids: runs; groups: seed groups, each drawn as mean ± std. (An array where a key is repeated.) */
  searchParams: Promise<{ ids?: string | string[]; groups?: string | string[]; study?: string | string[] }>;
}) {
  const { ids: idList, groups: groupList, study: studies } = await searchParams;
  const study = [studies].flat()[0];
  const ids = selectedIds(idList);
  const groupIds = selectedIds(groupList);
  if (ids.length > MAX_COMPARE || groupIds.length > MAX_COMPARE)
    return <TooMany runs={ids.length} groups={groupIds.length} />;
  let groups: Group[];
  try {
    groups = once(await Promise.all(groupIds.map(async (id) => (await serverQuery(GROUP, { id })).runGroup)));
  } catch (error) {
    if (isNotFound(error)) notFound();
    return <ApiErrorNotice {...noticeProps(error, "Could not load the groups.")} />;
  }
  if (ids.length === 0 && groups.length > 0) {
    return (
      <>
        <h1>{study ? `${study} study: compare ${groups.length} seed groups` : "Compare seed groups"}</h1>
        <CompareGroups groups={groups} />
        <h2>Add seed groups</h2>
        {/* (Keyed as below.) Its runs' groups join these: a group page's "Compare with other groups" led
            to this one group alone, with no way to add another. */}
        <RunPicker key={groups.map((g) => g.uuid).join(",")} selected={[]} groups={groups.map((g) => g.uuid)} />
      </>
    );
  }
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
    runs = once(await Promise.all(ids.map(async (id) => comparedRun((await serverQuery(COMPARED_RUN, { id })).run))));
  } catch (error) {
    if (isNotFound(error)) notFound();
    return <ApiErrorNotice {...noticeProps(error, "Could not load the runs.")} />;
  }
  return (
    <>
      <CompareView initial={runs} study={study} />
      {groups.length > 0 && <CompareGroups groups={groups} />}
      <h2>Change the selection</h2>
      {/* Keyed by the selection: Next keeps a component's state across a change of search params only
          (Back, a link to another comparison), and the picker showed the choices made on the page before. */}
      <RunPicker key={runs.map((r) => r.uuid).join(",")} selected={runs.map((r) => r.uuid)} />
    </>
  );
}

/** An address that lists more than a comparison shows, said as the not-found page says a bad address. */
function TooMany({ runs, groups }: { runs: number; groups: number }) {
  const listed = runs > MAX_COMPARE ? `${runs} runs` : `${groups} seed groups`;
  return (
    <div className="card" data-testid="too-many">
      <h1>Too many to compare</h1>
      <p>
        This address lists {listed}; a comparison shows at most {MAX_COMPARE} (the most its downloads export). Check
        that the link is the one meant, or pick fewer.
      </p>
      <Link href="/compare">Pick runs to compare</Link>
    </div>
  );
}
