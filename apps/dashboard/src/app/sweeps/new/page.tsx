import { MAX_GRID } from "@trainql/nn/sweepRules";
import { SweepForm } from "@/components/sweeps/SweepForm";

export default function NewSweepPage() {
  return (
    <>
      <h1>New sweep</h1>
      <p className="muted">
        Grid runs every combination (at most {MAX_GRID}); random samples max trials of them, or draws them from ranges;
        successive halving trains all at a small budget and continues the best 1/eta from their checkpoints, eta× longer
        each rung. The best trial by validation accuracy is then tested once.
      </p>
      <SweepForm />
    </>
  );
}
