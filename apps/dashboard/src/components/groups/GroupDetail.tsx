"use client";
// A seed group, refreshed while its members train: the mean curves with ± std bands, the members, and
// mean ± std of their final validation and test accuracy, and of their accuracy on each class (all
// computed by the API, in SQL).
import { graphql } from "@trainql/graphql";
import Link from "next/link";
import { useEffect, useState } from "react";
import { useClient } from "urql";
import { TableScroll } from "@/components/TableScroll";
import { type Group, groupLabel, memberProgress, numberMeanStd, percentMeanStd } from "@/lib/groups/groups";
import { plural } from "@/lib/text/plural";
import { percent } from "@/lib/types";
import { useApiErrorText } from "../Providers";
import { StatusBadge, TestAccuracyCell } from "../runs/RunBits";
import { GroupBandCharts } from "./GroupBandCharts";
import { useLiveGroups } from "./useLiveGroups";

const EVALUATE = graphql(`mutation EvaluateGroupMember($id: ID!) { evaluateTest(runId: $id) { id } }`);

export function GroupDetail({ initial }: { initial: Group }) {
  const client = useClient();
  // While the evaluations are being asked for; then when they all were, until each has its outcome.
  const [sending, setSending] = useState(false);
  const [askedAt, setAskedAt] = useState<number | null>(null);
  const evaluating = sending || askedAt !== null;
  const [evaluateError, setError] = useState<string | null>(null);
  const errorText = useApiErrorText();
  // (Refreshed while members train, and after "Evaluate" until every member has an outcome.)
  const live = useLiveGroups([initial], () => evaluating);
  const group = live.groups[0] ?? initial;
  const error = evaluateError ?? live.error;
  // Trained, without a test accuracy: what the button evaluates (again, for those whose evaluation failed).
  const untested = group.runs.filter((r) => r.status === "SUCCEEDED" && r.testAcc === null);
  const failed = untested.filter((r) => r.testError !== null);
  // A failed evaluation is an outcome too: waiting for a test accuracy that will not come kept the
  // page refreshing forever, its button off. Only a refresh sent after the evaluations were asked
  // counts (asking clears a member's last failure; one read before still shows it).
  const done = askedAt !== null && live.readAt > askedAt && untested.length === failed.length;
  useEffect(() => {
    if (done) setAskedAt(null);
  }, [done]);

  const { finalValAcc, testAcc, classValAcc } = group.stats;
  const compare = `/compare?groups=${group.uuid}`;
  return (
    <>
      <div className="toolbar">
        <span className="muted" data-testid="group-progress">
          {memberProgress(group.runs)}
        </span>
        {untested.length > 0 && (
          <button
            type="button"
            disabled={evaluating}
            onClick={async () => {
              setSending(true);
              setError(null);
              for (const run of untested) {
                const result = await client.mutation(EVALUATE, { id: run.id }).toPromise();
                // Refused: no result will come, so stop waiting (and refreshing) for one; say why, and
                // offer the button again.
                if (result.error) {
                  setError(errorText(result.error));
                  return setSending(false);
                }
              }
              setAskedAt(Date.now());
              setSending(false);
            }}
          >
            {evaluating ? "Evaluating on the test set…" : "Evaluate members on test set"}
          </button>
        )}
        <Link href={compare}>Compare with other groups</Link>
        {group.sweepId && (
          <span className="muted">
            Trial of sweep <Link href={`/sweeps/${group.sweepId}`}>{group.sweepId.slice(0, 8)}</Link>
          </span>
        )}
      </div>
      {error && <p className="error">{error}</p>}
      {!evaluating && failed.length > 0 && (
        <div className="error" data-testid="group-test-errors">
          The evaluation on the test set failed for {plural(failed.length, "member")}:
          <ul>
            {failed.map((r) => (
              <li key={r.id}>
                seed {r.hyperparameters.seed} (<Link href={`/runs/${r.uuid}`}>{r.uuid.slice(0, 8)}</Link>):{" "}
                {r.testError}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="card">
        <dl className="facts">
          <dt>Final val accuracy (mean ± std)</dt>
          <dd data-testid="group-final-val">{percentMeanStd(finalValAcc)}</dd>
          <dt>Test accuracy (mean ± std)</dt>
          <dd data-testid="group-test">
            {percentMeanStd(testAcc)}
            {testAcc.n > 0 && testAcc.n < group.runs.length && ` (${testAcc.n} evaluated)`}
          </dd>
        </dl>
        <p className="muted">
          std is the sample standard deviation over the seeds (divided by n − 1), computed by the API in SQL.
        </p>
      </div>
      <GroupBandCharts curves={[{ label: groupLabel(group), epochs: group.stats.epochs }]} />
      <TableScroll>
        <table aria-label="Members of the group">
          <thead>
            <tr>
              <th>Seed</th>
              <th>Run</th>
              <th>Status</th>
              <th className="num">Final val accuracy</th>
              <th className="num">Test accuracy</th>
            </tr>
          </thead>
          <tbody>
            {group.runs.map((r) => (
              <tr key={r.id} data-run-id={r.uuid}>
                <td className="num">{r.hyperparameters.seed}</td>
                <td>
                  <Link href={`/runs/${r.uuid}`}>{r.uuid.slice(0, 8)}</Link>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td className="num">{percent(r.finalValAcc)}</td>
                <TestAccuracyCell run={r} />
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="group-mean-row">
              <th colSpan={3}>Mean ± std</th>
              <td className="num">{percentMeanStd(finalValAcc)}</td>
              <td className="num">{percentMeanStd(testAcc)}</td>
            </tr>
          </tfoot>
        </table>
      </TableScroll>
      {classValAcc.some((c) => c.accuracy.n > 0) && (
        <TableScroll>
          <table>
            <caption>
              Validation accuracy per class, mean ± std over the members that succeeded: the classes this configuration
              gets right whatever the seed, and those it gets by luck.
            </caption>
            <thead>
              <tr>
                <th>Class</th>
                <th className="num">Val accuracy</th>
              </tr>
            </thead>
            <tbody>
              {classValAcc.map((c) => (
                <tr key={c.className} data-class={c.className}>
                  <th scope="row">{c.className}</th>
                  <td className="num" data-testid="class-val">
                    {percentMeanStd(c.accuracy)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <details>
        <summary>Per epoch: mean ± std</summary>
        <TableScroll>
          <table aria-label="Per-epoch mean and std">
            <thead>
              <tr>
                <th className="num">Epoch</th>
                <th className="num">Runs</th>
                <th className="num">Val accuracy</th>
                <th className="num">Train accuracy</th>
                <th className="num">Loss</th>
              </tr>
            </thead>
            <tbody>
              {group.stats.epochs.map((e) => (
                <tr key={e.epoch} data-epoch={e.epoch}>
                  <td className="num">{e.epoch}</td>
                  <td className="num">{e.valAcc.n}</td>
                  <td className="num" data-testid="epoch-val">
                    {percentMeanStd(e.valAcc)}
                  </td>
                  <td className="num">{percentMeanStd(e.trainAcc)}</td>
                  <td className="num">{numberMeanStd(e.loss)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </>
  );
}
