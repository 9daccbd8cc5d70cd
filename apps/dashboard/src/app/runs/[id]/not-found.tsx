import { NotFound } from "@/components/NotFound";

export default function RunNotFound() {
  return <NotFound what="run" back="/" backLabel="All runs" />;
}
