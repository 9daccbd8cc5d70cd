import { percent, type RunStatus } from "@/lib/types";

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`status status-${status}`} data-testid="run-status">
      {status}
    </span>
  );
}

/** `label`: what it is the progress of, for screen readers ("Progress of run 1a2b3c4d"). */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.round(value * 100);
  return (
    <span title={`${pct}%`}>
      <span
        className="progress"
        role="progressbar"
        aria-label={label}
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <span style={{ width: `${pct}%` }} />
      </span>{" "}
      <span className="muted">{pct}%</span>
    </span>
  );
}

/** A run's test accuracy as a table cell: the percent, or "failed" with the reason on hover. */
export function TestAccuracyCell({ run }: { run: { testAcc: number | null; testError: string | null } }) {
  return (
    <td className="num">
      {run.testAcc === null && run.testError ? (
        <span className="error" title={run.testError}>
          failed
        </span>
      ) : (
        percent(run.testAcc)
      )}
    </td>
  );
}
