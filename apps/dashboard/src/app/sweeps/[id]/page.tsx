import Link from "next/link";
import { ApiErrorNotice, noticeProps } from "@/components/ApiErrorNotice";
import { SweepDetail } from "@/components/sweeps/SweepDetail";
import { serverQuery } from "@/lib/serverQuery";
import { STRATEGY_LABELS, SWEEP_FIELDS, type SweepView } from "@/lib/sweeps";

export default async function SweepPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  let sweep: SweepView;
  try {
    ({ sweep } = await serverQuery<{ sweep: SweepView }>(`query ($id: ID!) { sweep(id: $id) { ${SWEEP_FIELDS} } }`, {
      id,
    }));
  } catch (error) {
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
        {sweep.trials.length} trials
      </h1>
      <SweepDetail initial={sweep} />
    </>
  );
}
