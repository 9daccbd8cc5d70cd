// startRun from the browser, with the server's validation errors mapped to form fields.
import type { Client } from "@urql/core";
import type { Hyperparameters } from "./types";

export const START_RUN = `mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id uuid status } }`;

export type FieldErrors = Partial<Record<keyof Hyperparameters | "form", string>>;

export async function startRun(
  client: Client,
  input: Partial<Record<keyof Hyperparameters, number>>,
): Promise<{ uuid: string } | { errors: FieldErrors }> {
  const result = await client.mutation<{ startRun: { uuid: string } }>(START_RUN, { input }).toPromise();
  if (result.data?.startRun) return { uuid: result.data.startRun.uuid };
  const errors: FieldErrors = {};
  for (const e of result.error?.graphQLErrors ?? []) {
    const fields = (e.extensions.fields as { field: string; message: string }[] | undefined) ?? [
      { field: String(e.extensions.field ?? "form"), message: e.message },
    ];
    for (const f of fields) errors[f.field.replace(/^input\./, "") as keyof FieldErrors] = f.message;
  }
  if (result.error?.networkError) errors.form = `The API is not reachable: ${result.error.networkError.message}`;
  if (Object.keys(errors).length === 0) errors.form = result.error?.message ?? "startRun failed";
  return { errors };
}
