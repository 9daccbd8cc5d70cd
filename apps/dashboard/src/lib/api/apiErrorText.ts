// What a page says when the API refused a request or could not be reached, in the user's words:
// urql's own message tags each part ("[Network] Failed to fetch", "[GraphQL] run … does not exist"),
// which told a user nothing about what to check.
import type { CombinedError } from "@urql/core";

type ClientError = Pick<CombinedError, "graphQLErrors" | "networkError" | "message"> & {
  response?: { status?: number } | undefined;
};

const URQL_TAG = /^\[(?:Network|GraphQL)\]\s*/gm;

/**
 * The API's own reasons when it gave any (each once), else where it was looked for: `apiUrl`, the
 * address this browser uses, for a request that never got an answer or got one that is no GraphQL.
 */
export function apiErrorText(error: ClientError, apiUrl?: string): string {
  const reasons = [...new Set(error.graphQLErrors.map((e) => e.message.trim()).filter(Boolean))];
  if (reasons.length > 0) return reasons.join("; ");
  const api = apiUrl ? `The TrainQL API at ${apiUrl}` : "The TrainQL API";
  if (error.networkError) {
    const status = error.response?.status;
    if (status) return `${api} answered HTTP ${status} with no GraphQL result.`;
    const why = error.networkError.message.replace(URQL_TAG, "").trim();
    return `${api} is not reachable from this browser${why ? ` (${why})` : ""}. Is it running, and is that address open to this browser?`;
  }
  return error.message.replace(URQL_TAG, "").trim() || `${api} refused the request.`;
}
