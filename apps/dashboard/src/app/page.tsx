import { RunsTable } from "@/components/runs/RunsTable";

export default function RunsPage() {
  return (
    <>
      <h1>Runs</h1>
      <RunsTable />
    </>
  );
}
