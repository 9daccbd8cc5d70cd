import { NotFound } from "@/components/NotFound";

export default function GroupNotFound() {
  return <NotFound what="seed group" back="/" backLabel="All runs" />;
}
