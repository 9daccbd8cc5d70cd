// Where new runs will train, and anything that makes that slower than it could be (e.g. no BLAS
// library on the trainer's machine), so that a slow run is not a surprise.
import type { Backend } from "@/lib/types";

export function BackendNotice({ backend }: { backend: Backend | null }) {
  if (!backend) return <p className="warning">No trainer is running: new runs wait in the queue until one starts.</p>;
  return (
    <>
      <p className="muted" data-testid="backend">
        Runs train on {backend.name} — {backend.device}.
      </p>
      {backend.warnings.map((warning) => (
        <p key={warning} className="warning" data-testid="backend-warning">
          Slower than it could be: {warning}
        </p>
      ))}
    </>
  );
}
