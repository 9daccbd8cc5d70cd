"use client";
// reproduceRun on the run page: the button that retrains a finished run with its seed and
// hyperparameters, and, on the reproduction's page, the verdict — its losses and final parameters
// bit-identical to the original's, or where they first differ and by how much.
import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useClient, useMutation } from "urql";
import { ReproductionFields, type RunOrigins, type Verdict, verdictWords } from "@/lib/runs/reproduction";
import type { RunStatus } from "@/lib/types";
import { useApiErrorText } from "../Providers";

export type { RunOrigins };

const REPRODUCE = graphql(`mutation ReproduceRun($id: ID!) { reproduceRun(id: $id) { uuid } }`);
const VERDICT = graphql(`query ReproductionVerdict($id: ID!) { run(id: $id) { ...ReproductionFields } }`, [
  ReproductionFields,
]);

export function ReproduceButton({ runId }: { runId: string }) {
  const router = useRouter();
  const [state, reproduce] = useMutation(REPRODUCE);
  const errorText = useApiErrorText();
  return (
    <>
      <button
        type="button"
        disabled={state.fetching || state.data !== undefined}
        title="Train a new run with this run's seed and hyperparameters, and compare their losses and final parameters bit for bit"
        onClick={async () => {
          const result = await reproduce({ id: runId });
          if (result.data) router.push(`/runs/${result.data.reproduceRun.uuid}`);
        }}
      >
        Reproduce
      </button>
      {state.error && <span className="error">{errorText(state.error)}</span>}
    </>
  );
}

/** The verdict, asked again once the reproduction has SUCCEEDED (it is written with that status). */
export function ReproductionBadge({
  runId,
  status,
  initial,
  originalUuid,
}: {
  runId: string;
  status: RunStatus;
  initial: Verdict;
  originalUuid: string | null;
}) {
  const client = useClient();
  const [verdict, setVerdict] = useState(initial);
  useEffect(() => {
    if (status !== "SUCCEEDED" || verdict.identical !== null) return;
    void client
      .query(VERDICT, { id: runId }, { requestPolicy: "network-only" })
      .toPromise()
      .then((r) => r.data?.run.reproduction && setVerdict(r.data.run.reproduction));
  }, [client, runId, status, verdict.identical]);
  const { text, kind } = verdictWords(verdict, status);
  const details = [
    verdict.maxAbsDifference !== null &&
      kind === "differs" &&
      `largest difference ${verdict.maxAbsDifference.toExponential(3)}`,
    verdict.sameBackend === false && `trained on ${verdict.originalBackend} — ${verdict.originalDevice} originally`,
  ].filter(Boolean);
  return (
    <span className="muted">
      <span className={`status reproduction-${kind}`} data-testid="reproduction-badge" title={details.join("; ")}>
        {text}
      </span>{" "}
      {originalUuid && (
        <>
          reproduces <Link href={`/runs/${originalUuid}`}>{originalUuid.slice(0, 8)}</Link>
        </>
      )}
      {details.length > 0 && ` (${details.join("; ")})`}
    </span>
  );
}
