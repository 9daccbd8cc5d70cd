import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { GroupDetail } from "@/components/groups/GroupDetail";
import { isNotFound, noticeProps, serverQuery } from "@/lib/api/serverQuery";
import { type Group, GroupFields, groupLabel } from "@/lib/groups/groups";

const GROUP = graphql(`query GroupPage($id: ID!) { runGroup(id: $id) { ...GroupFields } }`, [GroupFields]);

export default async function GroupPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let group: Group;
  try {
    group = (await serverQuery(GROUP, { id })).runGroup;
  } catch (error) {
    if (isNotFound(error)) notFound();
    return (
      <>
        <h1>Seed group</h1>
        <ApiErrorNotice {...noticeProps(error, "Could not load the group.")} />
        <Link href="/">Back to the runs</Link>
      </>
    );
  }
  return (
    <>
      <h1>
        Seed group <span className="muted">{group.uuid.slice(0, 8)}</span> — {group.runs.length} seeds,{" "}
        {groupLabel(group)}
      </h1>
      <GroupDetail initial={group} />
    </>
  );
}
