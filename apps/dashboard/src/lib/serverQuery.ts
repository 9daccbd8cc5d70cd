// GraphQL from server components: a plain fetch, never cached (runs change all the time), with the
// session's API token when the user signed in.
import "server-only";
import { cookies } from "next/headers";
import { serverApiUrl } from "./apiUrl";
import { isUnauthenticated, TOKEN_COOKIE } from "./token";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly unauthenticated = false,
  ) {
    super(message);
  }
}

export async function serverQuery<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const token = (await cookies()).get(TOKEN_COOKIE)?.value;
  let response: Response;
  try {
    response = await fetch(serverApiUrl(), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${decodeURIComponent(token)}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(`The TrainQL API at ${serverApiUrl()} is not reachable. Is it running (pnpm start)?`);
  }
  const body = (await response.json()) as {
    data?: T;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
  if (isUnauthenticated(body.errors)) throw new ApiError("This API needs a token to show this page.", true);
  if (body.errors?.length || !body.data)
    throw new ApiError(body.errors?.map((e) => e.message).join("; ") ?? "empty response");
  return body.data;
}
