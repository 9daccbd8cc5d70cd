"use client";
// The validation images a run was surest of and wrong in one cell of its confusion matrix (true class
// row, predicted class column): whether its cats taken for dogs are hard cats, mislabeled ones, or
// a model that has not learned what a cat is.
import { graphql } from "@trainql/graphql";
import { useQuery } from "urql";
import { count } from "@/lib/text/count";
import { percent } from "@/lib/types";
import { useApi } from "../Providers";

const MISTAKES = graphql(`
  query RunMistakeCell($id: ID!, $trueClass: Int!, $predictedClass: Int!) {
    run(id: $id) {
      id
      valMistakes(trueClass: $trueClass, predictedClass: $predictedClass) { index confidence imageUrl }
    }
  }
`);

/** The gallery's element id, for the buttons that open it (aria-controls). */
export const MISTAKES_ID = "mistakes";

export interface MistakeCell {
  trueClass: number;
  predictedClass: number;
  trueName: string;
  predictedName: string;
  /** The cell's count: the images of trueClass predicted as predictedClass. */
  count: number;
}

export function MistakeGallery({ runId, cell }: { runId: string; cell: MistakeCell }) {
  const [{ data, fetching, error }] = useQuery({
    query: MISTAKES,
    variables: { id: runId, trueClass: cell.trueClass, predictedClass: cell.predictedClass },
  });
  const { fileUrl } = useApi();
  const mistakes = data?.run?.valMistakes ?? [];
  const of = count(cell.count);
  return (
    <section
      id={MISTAKES_ID}
      className="mistakes"
      data-testid="mistakes"
      aria-labelledby="mistakes-title"
      aria-live="polite"
    >
      <h3 id="mistakes-title">
        {cell.trueName} taken for {cell.predictedName}
        {mistakes.length > 0 && (
          <span className="muted">
            : the {mistakes.length === 1 ? "one" : mistakes.length} it was surest of, of {of}
          </span>
        )}
      </h3>
      {error && <p className="error">Could not load them: {error.message}</p>}
      {fetching && <p className="muted">Loading…</p>}
      {!fetching && !error && mistakes.length === 0 && (
        <p className="muted">No images kept for this run: it ended before runs kept their mistakes.</p>
      )}
      <ul>
        {mistakes.map((m) => (
          <li key={m.index}>
            <figure>
              {/* biome-ignore lint/performance/noImgElement: a 32 × 32 PNG the API serves (its address needs the session's token) */}
              <img
                src={fileUrl(m.imageUrl)}
                width={32}
                height={32}
                alt={`Validation row ${m.index}: a ${cell.trueName}, predicted ${cell.predictedName}`}
              />
              <figcaption data-testid="mistake-caption">
                #{m.index}, {percent(m.confidence)}
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
    </section>
  );
}
