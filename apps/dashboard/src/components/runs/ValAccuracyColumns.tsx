// The two validation accuracies as table columns, labelled and explained the same in every table.
import { BEST_EPOCH_VAL, FINAL_VAL } from "@/lib/runs/valAccuracy";
import { percent } from "@/lib/types";

export function ValAccuracyHeaders() {
  return (
    <>
      <th className="num" title={FINAL_VAL.title}>
        {FINAL_VAL.label}
      </th>
      <th className="num" title={BEST_EPOCH_VAL.title}>
        {BEST_EPOCH_VAL.label}
      </th>
    </>
  );
}

/** `testIds`: mark the cells for browser tests (in one table a page only: ids must stay unique there). */
export function ValAccuracyCells({
  run,
  testIds = false,
}: {
  run: { finalValAcc: number | null; bestValAcc: number | null };
  testIds?: boolean;
}) {
  return (
    <>
      <td className="num" data-testid={testIds ? "final-val" : undefined}>
        {percent(run.finalValAcc)}
      </td>
      <td className="num" data-testid={testIds ? "best-epoch-val" : undefined}>
        {percent(run.bestValAcc)}
      </td>
    </>
  );
}
