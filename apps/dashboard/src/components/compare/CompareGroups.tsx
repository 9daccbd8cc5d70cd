"use client";
// Seed groups in a comparison: each drawn as its mean curve with a ± std band, and its final
// accuracies as mean ± std (the API's SQL statistics, not every member's curve), refreshed while
// their members train.
import Link from "next/link";
import { TableScroll } from "@/components/TableScroll";
import { type Group, groupLabel, memberProgress, percentMeanStd } from "@/lib/groups/groups";
import { GroupBandCharts } from "../groups/GroupBandCharts";
import { useLiveGroups } from "../groups/useLiveGroups";

export function CompareGroups({ groups: initial }: { groups: Group[] }) {
  const { groups, error } = useLiveGroups(initial);
  const curves = groups.map((g) => ({ label: `${groupLabel(g)} (${g.uuid.slice(0, 8)})`, epochs: g.stats.epochs }));
  return (
    <>
      <h2>Seed groups: mean ± std</h2>
      {error && <p className="error">{error}</p>}
      <GroupBandCharts curves={curves} />
      <TableScroll>
        <table aria-label="Compared seed groups">
          <thead>
            <tr>
              <th>Group</th>
              <th className="num">Seeds</th>
              <th>Members</th>
              <th className="num">Final val accuracy (mean ± std)</th>
              <th className="num">Test accuracy (mean ± std)</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g, i) => (
              <tr key={g.id} data-group-id={g.uuid}>
                <td>
                  <Link href={`/groups/${g.uuid}`}>{curves[i]!.label}</Link>
                </td>
                <td className="num">{g.runs.map((r) => r.hyperparameters.seed).join(", ")}</td>
                <td data-testid="group-members">{memberProgress(g.runs)}</td>
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
