// Errors that are part of the API's contract. They reach clients as they are; anything else is masked.
import { GraphQLError } from "graphql";

/** Bad input: names the field and the fix; nothing was written. */
export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", field } });
}

export function notFound(what: string, id: string): GraphQLError {
  return new GraphQLError(`${what} ${id} does not exist`, { extensions: { code: "NOT_FOUND" } });
}

/** The request is valid but the resource's state does not allow it (e.g. deleting a running run). */
export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "CONFLICT" } });
}
