// Errors that are part of the API's contract. They reach clients as they are; anything else is masked.
import { isTransient } from "@trainql/db/retry";
import { SPACE_FIELDS } from "@trainql/nn/searchSpace";
import { fieldOf, type Problem, sentence } from "@trainql/nn/validation";
import {
  coerceInputValue,
  type DefinitionNode,
  GraphQLError,
  type GraphQLInputType,
  Kind,
  type OperationDefinitionNode,
  typeFromAST,
  type ValidationContext,
} from "graphql";
import { type MaskError, maskError, type Plugin } from "graphql-yoga";

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

/**
 * yoga's masking of errors outside the contract, but for one a client can act on: the database out
 * of reach, or too busy to start a transaction in time (a burst of mutations on the API's pool), is
 * DATABASE_UNAVAILABLE with HTTP 503 and Retry-After, not "Unexpected error.", so that a client
 * knows to send it again. (What it would have written was rolled back or never begun, unless the
 * connection broke just as it committed: then a mutation that queues (startRun, startSweep, forkRun,
 * reproduceRun) sent again queues a second, unless it is a startRun or startSweep with the first
 * one's requestId.)
 */
export const maskUnexpected: MaskError = (error, message, isDev) => {
  // (Only an error of ours, never one of the contract: a BAD_USER_INPUT quoting what was sent, an id
  // "ECONNRESET" say, would match the outage's words.)
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof GraphQLError || !isTransient(original)) return maskError(error, message, isDev);
  const where = error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {};
  return new GraphQLError(
    "The database did not answer in time (busy, or restarting): send the request again in a moment",
    {
      ...where,
      extensions: { code: "DATABASE_UNAVAILABLE", http: { status: 503, headers: { "retry-after": "1" } } },
    },
  );
};

/** The request is valid but the resource's state does not allow it (e.g. deleting a running run). */
export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "CONFLICT" } });
}

/**
 * Variables are checked here, before graphql-js does it, with graphql-js's own coercion: its error
 * callback gives the path of each bad value as data (input.hiddenSize), which the message it would
 * send only spells out in prose. A bad variable is BAD_USER_INPUT naming that field, as our own
 * checks do; all of them at once.
 */
export function useVariableErrors(): Plugin {
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const operation = args.document.definitions.find(
        (d: DefinitionNode): d is OperationDefinitionNode =>
          d.kind === Kind.OPERATION_DEFINITION && (!args.operationName || d.name?.value === args.operationName),
      );
      const errors: GraphQLError[] = [];
      for (const definition of operation?.variableDefinitions ?? []) {
        const name = definition.variable.name.value;
        const type = typeFromAST(args.schema, definition.type) as GraphQLInputType | undefined;
        const value = args.variableValues?.[name];
        if (!type || (value === undefined && definition.defaultValue)) continue;
        coerceInputValue(value === undefined ? null : value, type, (path, _invalid, error) => {
          const field = [name, ...path].join(".");
          errors.push(
            new GraphQLError(`Variable "$${name}" got an invalid value at "${field}": ${error.message}`, {
              nodes: definition,
              extensions: { code: "BAD_USER_INPUT", field },
            }),
          );
        });
      }
      if (errors.length > 0) setResultAndStopExecution({ errors });
    },
  };
}

/** GraphQL Armor's rejections while validating (depth, aliases, cost) as QUERY_TOO_COMPLEX. */
export const rejectTooComplex = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message, { extensions: { code: "QUERY_TOO_COMPLEX" } })),
  ],
};
