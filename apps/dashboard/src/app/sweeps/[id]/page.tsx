import { graphql, readFragment } from "@trainql/graphql";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { SweepDetail } from "@/components/sweeps/SweepDetail";
import { isNotFound, noticeProps, serverQuery } from "@/lib/api/serverQuery";
import { STRATEGY_LABELS, type SweepView, SweepViewFragment, trialsText } from "@/lib/sweeps/sweeps";

const SWEEP = graphql(`query SweepPage($id: ID!) { sweep(id: $id) { ...SweepView } }`, [SweepViewFragment]);

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let sweep: SweepView;
  try {
    sweep = readFragment(SweepViewFragment, (await serverQuery(SWEEP, { id })).sweep);
  } catch (error) {
    if (isNotFound(error)) notFound();
    return (
      <>
        <ApiErrorNotice {...noticeProps(error, "Could not load the sweep.")} />
        <Link href="/sweeps">Back to the sweeps</Link>
      </>
    );
  }
  return (
    <>
      <h1>
        Sweep <span className="muted">{sweep.uuid.slice(0, 8)}</span> — {STRATEGY_LABELS[sweep.strategy]},{" "}
        {trialsText(sweep)}
      </h1>
      <SweepDetail initial={sweep} />
    </>
  );
}
