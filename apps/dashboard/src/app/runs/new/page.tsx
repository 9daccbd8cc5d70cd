import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { BackendNotice } from "@/components/runs/BackendNotice";
import { NewRunForm } from "@/components/runs/NewRunForm";
import { noticeProps, serverQuery } from "@/lib/serverQuery";
import type { Backend, Dataset, Hyperparameters } from "@/lib/types";

// The defaults come from the API's schema (StartRunInput's default values): one source of truth.
const QUERY = `{
  __type(name: "StartRunInput") { inputFields { name defaultValue } }
  backend { name device warnings }
  dataset { available directory howToGet }
}`;

export default async function NewRunPage() {
  let defaults: Hyperparameters;
  let backend: Backend | null;
  let dataset: Dataset | null;
  try {
    const data = await serverQuery<{
      __type: { inputFields: { name: string; defaultValue: string | null }[] };
      backend: Backend | null;
      dataset: Dataset | null;
    }>(QUERY);
    backend = data.backend;
    dataset = data.dataset;
    defaults = Object.fromEntries(
      // The hyperparameters are the fields with a default (the optional name has none).
      data.__type.inputFields.flatMap((f) => (f.defaultValue === null ? [] : [[f.name, Number(f.defaultValue)]])),
    ) as unknown as Hyperparameters;
  } catch (error) {
    return <ApiErrorNotice {...noticeProps(error, "Could not load the form.")} />;
  }
  return (
    <>
      <h1>New run</h1>
      <p className="muted">Defaults are the reference assignment&apos;s first run. The API checks every field.</p>
      <BackendNotice backend={backend} dataset={dataset} />
      <NewRunForm defaults={defaults} />
    </>
  );
}
