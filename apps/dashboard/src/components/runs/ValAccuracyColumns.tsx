// The two validation accuracies as table columns, labelled and explained the same in every table.
import { percent } from "@/lib/types";
import { BEST_EPOCH_VAL, FINAL_VAL } from "@/lib/valAccuracy";

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

export function ValAccuracyCells({ run }: { run: { finalValAcc: number | null; bestValAcc: number | null } }) {
  return (
    <>
      <td className="num" data-testid="final-val">
        {percent(run.finalValAcc)}
      </td>
      <td className="num" data-testid="best-epoch-val">
        {percent(run.bestValAcc)}
      </td>
    </>
  );
}
