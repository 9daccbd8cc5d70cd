import { NotFound } from "@/components/NotFound";

// The comparison's address names runs (ids=) and seed groups (groups=): either can be the one missing.
export default function CompareNotFound() {
  return <NotFound what="run or seed group to compare" back="/compare" backLabel="Pick runs to compare" />;
}
