import { NotFound } from "@/components/NotFound";

export default function CompareNotFound() {
  return <NotFound what="run to compare" back="/compare" backLabel="Pick runs to compare" />;
}
