"use client";
// A run's confusion matrix: on the validation set, of the parameters it ended with (finalValAcc's),
// and on the test set once it is evaluated. An accuracy alone hides which classes a model gets right
// and what it takes the others for (CIFAR-10's cats for dogs, its cars for trucks). A validation
// cell off the diagonal opens the images the run was surest of there (MistakeGallery).
import { graphql, type ResultOf } from "@trainql/graphql";
import { useEffect, useState } from "react";
import { useQuery } from "urql";
import { TableScroll } from "@/components/TableScroll";
import { count } from "@/lib/text/count";
import { percent } from "@/lib/types";
import { MISTAKES_ID, type MistakeCell, MistakeGallery } from "./MistakeGallery";

const CONFUSION = graphql(`
  query RunConfusion($id: ID!) {
    run(id: $id) {
      id
      valConfusion { classes counts classAccuracy }
      testConfusion { classes counts classAccuracy }
    }
  }
`);

type Matrix = NonNullable<NonNullable<ResultOf<typeof CONFUSION>["run"]>["valConfusion"]>;
const SETS = { val: "Validation", test: "Test" } as const;
type SetName = keyof typeof SETS;

/** The cell of true class t, predicted p. */
const cellOf = (matrix: Matrix, t: number, p: number): MistakeCell => ({
  trueClass: t,
  predictedClass: p,
  trueName: matrix.classes[t] as string,
  predictedName: matrix.classes[p] as string,
  count: matrix.counts[t]?.[p] ?? 0,
});

/** The mistakes made most often: off-diagonal cells, the largest first. */
function topConfusions(matrix: Matrix, howMany: number): MistakeCell[] {
  const cells = matrix.counts.flatMap((row, t) =>
    row.flatMap((n, p) => (p !== t && n > 0 ? [cellOf(matrix, t, p)] : [])),
  );
  return cells.sort((a, b) => b.count - a.count).slice(0, howMany);
}

/**
 * `ended`: whether the run has stopped training (the validation matrix comes with its end, or a sweep
 * trial's pause at a rung); `testAcc`: the test matrix comes with it. Asked again when either changes.
 */
export function ConfusionMatrix({ runId, ended, testAcc }: { runId: string; ended: boolean; testAcc: number | null }) {
  const [{ data }, refetch] = useQuery({
    query: CONFUSION,
    variables: { id: runId },
    pause: !ended,
    requestPolicy: "network-only",
  });
  useEffect(() => {
    if (testAcc !== null) refetch({ requestPolicy: "network-only" });
  }, [testAcc, refetch]);
  const [chosen, setChosen] = useState<SetName>("val");
  const [opened, setOpened] = useState<MistakeCell | null>(null);
  const matrices = { val: data?.run?.valConfusion ?? null, test: data?.run?.testConfusion ?? null };
  // (A run that ended before matrices were recorded, evaluated since, has the test set's alone.)
  const shown: SetName = matrices[chosen] ? chosen : matrices.val ? "val" : "test";
  const matrix = matrices[shown];
  if (!ended || !matrix) return null;
  const images = matrix.counts.flat().reduce((a, b) => a + b, 0);
  const mistakes = topConfusions(matrix, 3);
  // (The run keeps its mistakes on the validation set only.)
  const cell = shown === "val" ? opened : null;
  const isOpen = (t: number, p: number) => cell?.trueClass === t && cell.predictedClass === p;
  /** A cell's button (in the matrix or the "most often confused") opens its images, or closes them. */
  const toggle = (c: MistakeCell) => setOpened(isOpen(c.trueClass, c.predictedClass) ? null : c);
  return (
    <div className="card" data-testid="confusion">
      <div className="toolbar">
        <h2 id="confusion-title">Confusion matrix</h2>
        {matrices.val && matrices.test && (
          <fieldset className="choice">
            <legend className="visually-hidden">Data set of the confusion matrix</legend>
            {(Object.keys(SETS) as SetName[]).map((set) => (
              <button
                key={set}
                type="button"
                aria-pressed={shown === set}
                className={shown === set ? undefined : "secondary"}
                onClick={() => setChosen(set)}
              >
                {SETS[set]}
              </button>
            ))}
          </fieldset>
        )}
      </div>
      <p className="muted" data-testid="confusion-caption">
        {SETS[shown]} set, {count(images)} images
        {shown === "val" ? ", of the parameters the run ended with" : ""}. Rows: the true class; columns: the class
        predicted. Each cell is shaded by its share of the row.
        {shown === "val" && " Open a cell off the diagonal to see the images the run was surest of there."}
      </p>
      <TableScroll>
        <table className="confusion" aria-labelledby="confusion-title">
          <thead>
            <tr>
              <th scope="col" aria-label="True class (rows) by predicted class (columns)">
                True class \ predicted
              </th>
              {matrix.classes.map((name) => (
                <th key={name} scope="col" className="num">
                  {name}
                </th>
              ))}
              <th scope="col" className="num">
                Accuracy
              </th>
            </tr>
          </thead>
          <tbody>
            {matrix.counts.map((row, t) => {
              const total = row.reduce((a, b) => a + b, 0);
              const name = matrix.classes[t] as string;
              return (
                <tr key={name} data-testid="confusion-row" data-class={name}>
                  <th scope="row">{name}</th>
                  {row.map((n, p) => {
                    const share = total === 0 ? 0 : n / total;
                    const predicted = matrix.classes[p] as string;
                    return (
                      <td
                        key={matrix.classes[p]}
                        className={p === t ? "num diagonal" : "num"}
                        title={`${name} predicted as ${matrix.classes[p]}: ${count(n)} of ${count(total)} (${percent(share)})`}
                        // (At most 60% of the accent: the text stays readable on it in both themes.)
                        style={{
                          background: `color-mix(in srgb, var(--accent) ${Math.round(share * 60)}%, transparent)`,
                        }}
                      >
                        {shown === "val" && p !== t && n > 0 ? (
                          <button
                            type="button"
                            aria-expanded={isOpen(t, p)}
                            aria-controls={MISTAKES_ID}
                            aria-label={`${name} taken for ${predicted}: ${count(n)}`}
                            onClick={() => toggle(cellOf(matrix, t, p))}
                          >
                            {count(n)}
                          </button>
                        ) : (
                          count(n)
                        )}
                      </td>
                    );
                  })}
                  <td className="num" data-testid="class-accuracy">
                    {percent(matrix.classAccuracy[t])}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
      {cell && <MistakeGallery runId={runId} cell={cell} />}
      {mistakes.length > 0 && (
        <p data-testid="top-confusions">
          Most often confused:{" "}
          {mistakes.map((m, i) => {
            const text = `${m.trueName} taken for ${m.predictedName} (${count(m.count)})`;
            return (
              <span key={text}>
                {i > 0 && "; "}
                {shown === "val" ? (
                  <button
                    type="button"
                    className="link"
                    aria-expanded={isOpen(m.trueClass, m.predictedClass)}
                    aria-controls={MISTAKES_ID}
                    onClick={() => toggle(m)}
                  >
                    {text}
                  </button>
                ) : (
                  text
                )}
              </span>
            );
          })}
          .
        </p>
      )}
    </div>
  );
}
