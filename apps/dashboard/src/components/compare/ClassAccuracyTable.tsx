// The compared runs' validation accuracy per class, side by side: which classes a change of
// hyperparameters helped and which it cost, which the overall accuracy averages away.

import { TableScroll } from "@/components/TableScroll";
import type { ComparedRun } from "@/lib/compare/comparedRun";
import { isTraining, percent } from "@/lib/types";

/** `labels[i]`: what the comparison calls runs[i] (what differs). Nothing until a run has ended. */
export function ClassAccuracyTable({ runs, labels }: { runs: ComparedRun[]; labels: string[] }) {
  const classes = runs.find((r) => r.valConfusion)?.valConfusion?.classes;
  if (!classes) return null;
  return (
    <>
      <h2>Validation accuracy per class</h2>
      <p className="muted">
        Of the parameters each run ended with (its Final val), the best of each class in bold; a run queued or training
        has none yet.
      </p>
      <TableScroll>
        <table aria-label="Validation accuracy per class" className="confusion">
          <thead>
            <tr>
              <th scope="col">Class</th>
              {runs.map((r, i) => (
                <th key={r.id} scope="col" className="num">
                  {labels[i]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {classes.map((name, c) => {
              // (A promoted sweep trial training again holds its last rung's: not what it will end with.)
              const values = runs.map((r) =>
                isTraining(r.status) ? null : (r.valConfusion?.classAccuracy[c] ?? null),
              );
              const measured = values.filter((v) => v !== null);
              // (No best where all are alike: a class every run gets right, or none does.)
              const best = new Set(measured).size > 1 ? Math.max(...measured) : null;
              return (
                <tr key={name} data-class={name}>
                  <th scope="row">{name}</th>
                  {values.map((value, i) => (
                    <td
                      key={runs[i]!.id}
                      data-run-id={runs[i]!.uuid}
                      className={value !== null && value === best ? "num best" : "num"}
                    >
                      {percent(value)}
                      {value !== null && value === best && <span className="visually-hidden"> (best)</span>}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
