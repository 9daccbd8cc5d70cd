// GraphQL from server components: a plain fetch, never cached (runs change all the time).
import "server-only";
import { serverApiUrl } from "./apiUrl";

export class ApiError extends Error {}

export async function serverQuery<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(serverApiUrl(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(`The TrainQL API at ${serverApiUrl()} is not reachable. Is it running (pnpm start)?`);
  }
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data)
    throw new ApiError(body.errors?.map((e) => e.message).join("; ") ?? "empty response");
  return body.data;
}
