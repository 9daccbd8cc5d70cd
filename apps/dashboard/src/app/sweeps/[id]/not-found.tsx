import { NotFound } from "@/components/NotFound";

export default function SweepNotFound() {
  return <NotFound what="sweep" back="/sweeps" backLabel="All sweeps" />;
}
