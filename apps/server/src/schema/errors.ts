// Errors that are part of the API's contract. They reach clients as they are; anything else is masked.
import { SPACE_FIELDS } from "@trainql/nn/sweepRules";
import { fieldOf, type Problem, sentence } from "@trainql/nn/validation";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";

/** Bad input: names the field and the fix; nothing was written. */
export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", field } });
}

/**
 * What API clients call a field: its code name below the argument ("space.learningRates"); a value of
 * a list by the hyperparameter it is ("space.learningRates: learningRate must be …").
 */
function apiName(path: Problem["path"]): string {
  const keys = path.slice(1);
  const names = keys.filter((k) => typeof k === "string");
  const list = names.at(-1) ?? "";
  const each = list in SPACE_FIELDS ? SPACE_FIELDS[list as keyof typeof SPACE_FIELDS] : "each";
  return typeof keys.at(-1) === "number" ? `${names.join(".")}: ${each}` : names.join(".");
}

/**
 * Every problem with an input (paths start at the argument: `input.hiddenSize`) as one BAD_USER_INPUT:
 * `field` names the first, the message joins all, and `fields` lists each field with its own message
 * and, where the message is a field's rule, that rule without the field's name ("must be …; got 0"),
 * so a client can name the field its own way without parsing the message.
 */
export function invalidInput(problems: readonly Problem[]): GraphQLError {
  const fields = problems.map((p) => ({
    field: fieldOf(p),
    message: sentence(p, apiName(p.path)),
    ...(p.whole ? {} : { rule: p.message }),
  }));
  const error = badInput(fields[0]?.field ?? "", fields.map((f) => f.message).join("; "));
  error.extensions.fields = fields;
  return error;
}

export function notFound(what: string, id: string): GraphQLError {
  return new GraphQLError(`${what} ${id} does not exist`, { extensions: { code: "NOT_FOUND" } });
}

/** The request is valid but the resource's state does not allow it (e.g. deleting a running run). */
export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "CONFLICT" } });
}

// `Variable "$input" got invalid value … at "input.hiddenSize"; …` (no path when a field is unknown).
const VARIABLE_ERROR = /^Variable "\$(\w+)"(?:.*? at "([\w.[\]]+)")?/;
const LIMIT_ERROR = /limit of \d+ exceeded/i;

/**
 * Codes for the errors graphql-js and GraphQL Armor report without one: a variable of the wrong type
 * is BAD_USER_INPUT (naming the field, like our own checks); a query over a limit is QUERY_TOO_COMPLEX.
 */
export function useErrorCodes(): Plugin {
  const withCode = (error: GraphQLError): GraphQLError => {
    if (error.extensions?.code) return error;
    const variable = VARIABLE_ERROR.exec(error.message);
    if (variable)
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        extensions: { code: "BAD_USER_INPUT", field: variable[2] ?? variable[1] },
      });
    if (LIMIT_ERROR.test(error.message))
      return new GraphQLError(error.message, { extensions: { code: "QUERY_TOO_COMPLEX" } });
    return error;
  };
  return {
    // The last step before a result is sent, whatever produced it (Armor rejects while validating).
    onResultProcess: ({ result, setResult }) => {
      if (
        Array.isArray(result) ||
        !result ||
        typeof result !== "object" ||
        !("errors" in result) ||
        !result.errors?.length
      )
        return;
      setResult({
        ...result,
        errors: result.errors.map((e) => (e instanceof GraphQLError ? withCode(e) : e)) as GraphQLError[],
      });
    },
  };
}
