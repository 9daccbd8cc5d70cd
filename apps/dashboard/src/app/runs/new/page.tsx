import { graphql, type ResultOf } from "@trainql/graphql";
import { ApiErrorNotice } from "@/components/ApiErrorNotice";
import { BackendNotice, BackendNoticeBackend, BackendNoticeDataset } from "@/components/runs/BackendNotice";
import { NewRunForm } from "@/components/runs/NewRunForm";
import { noticeProps, serverQuery } from "@/lib/api/serverQuery";
import type { Hyperparameters } from "@/lib/types";

// The defaults come from the API's schema (StartRunInput's default values): one source of truth.
const QUERY = graphql(
  `
  query NewRunPage {
    __type(name: "StartRunInput") { inputFields { name defaultValue } }
    backend { ...BackendNoticeBackend }
    dataset { ...BackendNoticeDataset }
  }
`,
  [BackendNoticeBackend, BackendNoticeDataset],
);

// gql.tada types the app's schema, not the introspection one: __type comes back untyped.
type InputFields = { inputFields: { name: string; defaultValue: string | null }[] };

export default async function NewRunPage() {
  let defaults: Hyperparameters;
  let backend: ResultOf<typeof QUERY>["backend"];
  let dataset: ResultOf<typeof QUERY>["dataset"];
  try {
    const data = await serverQuery(QUERY);
    backend = data.backend;
    dataset = data.dataset;
    defaults = Object.fromEntries(
      // The hyperparameters are the fields with a default (the optional name has none).
      (data.__type as InputFields).inputFields.flatMap((f) =>
        f.defaultValue === null ? [] : [[f.name, Number(f.defaultValue)]],
      ),
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
