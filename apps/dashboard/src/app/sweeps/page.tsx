import { graphql, type ResultOf } from "@trainql/graphql";
import Link from "next/link";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { LocalTime } from "@/components/LocalTime";
import { StatusBadge } from "@/components/runs/RunBits";
import { noticeProps, serverQuery } from "@/lib/serverQuery";
import { STRATEGY_LABELS } from "@/lib/sweeps";
import { percent } from "@/lib/types";

const SWEEPS = graphql(`
  query SweepsPage {
    sweeps(first: 100) {
      edges { node { uuid status strategy createdAt itersSpent gridIters trials { id } bestRun { finalValAcc testAcc } } }
      pageInfo { hasNextPage }
    }
  }
`);
type Row = ResultOf<typeof SWEEPS>["sweeps"]["edges"][number]["node"];

export default async function SweepsPage() {
  let sweeps: Row[];
  let more: boolean;
  try {
    const data = await serverQuery(SWEEPS);
    sweeps = data.sweeps.edges.map((e) => e.node);
    more = data.sweeps.pageInfo.hasNextPage;
  } catch (error) {
    return <ApiErrorNotice {...noticeProps(error, "Could not load sweeps.")} />;
  }
  return (
    <>
      <h1>Sweeps</h1>
      <div className="toolbar">
        <Link href="/sweeps/new" className="button">
          New sweep
        </Link>
      </div>
      {sweeps.length === 0 ? (
        <div className="empty">
          No sweeps yet. <Link href="/sweeps/new">Start one</Link>.
        </div>
      ) : (
        <div className="table-scroll">
          <table aria-label="Sweeps">
            <thead>
              <tr>
                <th>Created</th>
                <th>Status</th>
                <th>Strategy</th>
                <th className="num">Trials</th>
                <th className="num">Iterations vs grid</th>
                <th className="num">Best val</th>
                <th className="num">Best test</th>
              </tr>
            </thead>
            <tbody>
              {sweeps.map((s) => (
                <tr key={s.uuid}>
                  <td>
                    <Link href={`/sweeps/${s.uuid}`}>
                      <LocalTime iso={s.createdAt} />
                    </Link>
                  </td>
                  <td>
                    <StatusBadge status={s.status} />
                  </td>
                  <td>{STRATEGY_LABELS[s.strategy]}</td>
                  <td className="num">{s.trials.length}</td>
                  <td className="num">{((100 * s.itersSpent) / s.gridIters).toFixed(1)}%</td>
                  <td className="num">{percent(s.bestRun?.finalValAcc)}</td>
                  <td className="num">{percent(s.bestRun?.testAcc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && <p className="muted">Showing the newest {sweeps.length} sweeps; older ones are not listed.</p>}
    </>
  );
}
