// A sweep with seeds: its trials as groups, ranked as the sweep picks its best run (rankGroups).
import Link from "next/link";
import { TableScroll } from "@/components/TableScroll";
import { groupLabel, percentMeanStd, type SweepGroup } from "@/lib/groups/groups";
import { rankGroups } from "@/lib/sweeps/trialRanking";

export function SweepGroups({ groups, seeds }: { groups: SweepGroup[]; seeds: number[] }) {
  const ranked = rankGroups(groups);
  return (
    <>
      <h2>Trials over seeds {seeds.join(", ")}, ranked: every seed finished first, then by mean</h2>
      <TableScroll>
        <table aria-label="Trials ranked by mean over seeds">
          <thead>
            <tr>
              <th className="num">Rank</th>
              <th>Group</th>
              <th>Configuration</th>
              <th className="num">Seeds finished</th>
              <th className="num">Final val accuracy (mean ± std)</th>
              <th className="num">Test accuracy (mean ± std)</th>
            </tr>
          </thead>
          <tbody>
            {ranked.map((g, i) => (
              <tr key={g.id} data-group-id={g.uuid}>
                <td className="num">{i + 1}</td>
                <td>
                  <Link href={`/groups/${g.uuid}`}>{g.uuid.slice(0, 8)}</Link>
                </td>
                <td>{groupLabel(g)}</td>
                <td className="num">
                  {g.stats.finalValAcc.n} / {g.runs.length}
                </td>
                <td className="num">{percentMeanStd(g.stats.finalValAcc)}</td>
                <td className="num">{percentMeanStd(g.stats.testAcc)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
