import Link from "next/link";
import { SweepsTable } from "@/components/sweeps/SweepsTable";

export default function SweepsPage() {
  return (
    <>
      <h1>Sweeps</h1>
      <div className="toolbar">
        <Link href="/sweeps/new" className="button">
          New sweep
        </Link>
      </div>
      <SweepsTable />
    </>
  );
}
