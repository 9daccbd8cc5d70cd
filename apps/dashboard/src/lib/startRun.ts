// startRun from the browser, with the server's validation errors mapped to form fields.
import { graphql } from "@trainql/graphql";
import type { Client } from "@urql/core";
import { apiFieldErrors, type FieldErrors } from "./formErrors";
import { HYPERPARAMETER_LABELS, type Hyperparameters } from "./types";

export const START_RUN = graphql(
  `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id uuid status } }`,
);

type RunField = keyof Hyperparameters | "name";
export type RunFieldErrors = FieldErrors<RunField>;

const LABELS: Record<RunField, string> = { ...HYPERPARAMETER_LABELS, name: "Name" };

const fieldOf = (apiField: string) => {
  const name = apiField.replace(/^input\./, "");
  return name in LABELS ? (name as RunField) : null;
};

export async function startRun(
  client: Client,
  input: Partial<Record<keyof Hyperparameters, number>> & { name?: string },
): Promise<{ uuid: string } | { errors: RunFieldErrors }> {
  const result = await client.mutation(START_RUN, { input }).toPromise();
  if (result.data?.startRun) return { uuid: result.data.startRun.uuid };
  const errors = apiFieldErrors(result.error, fieldOf, LABELS);
  return { errors: Object.keys(errors).length > 0 ? errors : { form: "startRun failed" } };
}
