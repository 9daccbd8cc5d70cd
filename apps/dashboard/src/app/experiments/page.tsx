import { Experiments } from "@/components/Experiments";

export default function ExperimentsPage() {
  return (
    <>
      <h1>Experiments</h1>
      <p className="muted">
        The reference assignment&apos;s studies. Each launches four runs and opens their comparison; a run that diverges
        ends as FAILED and its chart shows where.
      </p>
      <Experiments />
    </>
  );
}
