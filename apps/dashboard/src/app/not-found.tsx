import { NotFound } from "@/components/NotFound";

export default function PageNotFound() {
  return <NotFound what="page" back="/" backLabel="All runs" byId={false} />;
}
