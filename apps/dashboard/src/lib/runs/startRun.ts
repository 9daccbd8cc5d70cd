// startRun from the browser, with the server's validation errors mapped to form fields.
import { graphql } from "@trainql/graphql";
import type { Client } from "@urql/core";
import { apiFieldErrors, type FieldErrors } from "@/lib/formErrors";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "@/lib/types";

export const START_RUN = graphql(
  `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id uuid status group { uuid } } }`,
);

export type RunField = keyof Hyperparameters | "name" | "seeds";
export type RunFieldErrors = FieldErrors<RunField>;

/** What the form calls each field it sends. */
export const RUN_FIELD_LABELS: Record<RunField, string> = { ...HYPERPARAMETER_LABELS, name: "Name", seeds: "Seeds" };

const fieldOf = (apiField: string) => {
  // "input.seeds.2" (one seed of the list) is the seeds field.
  const name = apiField.replace(/^input\./, "").split(".")[0] ?? "";
  return name in RUN_FIELD_LABELS ? (name as RunField) : null;
};

export async function startRun(
  client: Client,
  input: Partial<Record<keyof Hyperparameters, number>> & {
    name?: string;
    seeds?: number[] | null;
    requestId?: string;
  },
): Promise<{ uuid: string; groupUuid: string | null } | { errors: RunFieldErrors }> {
  const result = await client.mutation(START_RUN, { input }).toPromise();
  if (result.data?.startRun)
    return { uuid: result.data.startRun.uuid, groupUuid: result.data.startRun.group?.uuid ?? null };
  const errors = apiFieldErrors(result.error, fieldOf, RUN_FIELD_LABELS);
  return { errors: Object.keys(errors).length > 0 ? errors : { form: "startRun failed" } };
}
