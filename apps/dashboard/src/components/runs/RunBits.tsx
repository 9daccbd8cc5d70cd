import type { RunStatus } from "@/lib/types";

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`status status-${status}`} data-testid="run-status">
      {status}
    </span>
  );
}

export function ProgressBar({ value }: { value: number }) {
  const pct = Math.round(value * 100);
  return (
    <span title={`${pct}%`}>
      <span className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
        <span style={{ width: `${pct}%` }} />
      </span>{" "}
      <span className="muted">{pct}%</span>
    </span>
  );
}
