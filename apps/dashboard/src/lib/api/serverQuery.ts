// GraphQL from server components: a plain fetch, never cached (runs change all the time), with the
// session's API token when the user signed in.
import "server-only";
import type { TadaDocumentNode } from "@trainql/graphql";
import { stringifyDocument } from "@urql/core";
import { cookies } from "next/headers";
import { serverApiUrl } from "@/env";
import { isUnauthenticated, TOKEN_COOKIE } from "@/lib/api/token";

/** Why the API did not answer a page's query; `notFound` covers unknown and malformed ids alike. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly reason: "unreachable" | "unauthenticated" | "notFound" | "other" = "other",
  ) {
    super(message);
  }
}

type GraphQLErrorBody = { message: string; extensions?: Record<string, unknown> };

// An id argument the API could not read (BAD_USER_INPUT on `id`) names no record either: to the user
// both are "there is nothing at this address".
const namesNothing = (e: GraphQLErrorBody) =>
  e.extensions?.code === "NOT_FOUND" || (e.extensions?.code === "BAD_USER_INPUT" && e.extensions.field === "id");

/** Runs a typed document (graphql() from @trainql/graphql); the result's type is the document's. */
export async function serverQuery<T, V>(query: TadaDocumentNode<T, V>, variables?: V): Promise<T> {
  const token = (await cookies()).get(TOKEN_COOKIE)?.value;
  const url = serverApiUrl();
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${decodeURIComponent(token)}` } : {}),
      },
      body: JSON.stringify({ query: stringifyDocument(query), variables }),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(`The TrainQL API at ${url} is not reachable. Is it running (pnpm start)?`, "unreachable");
  }
  let body: { data?: T; errors?: GraphQLErrorBody[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(
      `The TrainQL API at ${url} answered HTTP ${response.status} with something other than GraphQL.`,
      "unreachable",
    );
  }
  if (isUnauthenticated(body.errors))
    throw new ApiError("This API needs a token to show this page.", "unauthenticated");
  if (body.errors?.some(namesNothing)) throw new ApiError(body.errors.map((e) => e.message).join("; "), "notFound");
  if (body.errors?.length || !body.data)
    throw new ApiError(body.errors?.map((e) => e.message).join("; ") ?? "empty response");
  return body.data;
}

/** What a page shows for an error of serverQuery (or anything else thrown while loading it). */
export function noticeProps(error: unknown, fallback: string): { message: string; unauthenticated: boolean } {
  if (!(error instanceof ApiError)) return { message: fallback, unauthenticated: false };
  return { message: error.message, unauthenticated: error.reason === "unauthenticated" };
}

export const isNotFound = (error: unknown) => error instanceof ApiError && error.reason === "notFound";
