// Errors that are part of the API's contract. They reach clients as they are; anything else is masked.
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
import type { Plugin } from "graphql-yoga";

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
