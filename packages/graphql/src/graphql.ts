// The one graphql() every client writes its documents with: gql.tada reads the result and variable
// types of each document from apps/server/schema.graphql (through the generated graphql-env.d.ts),
// so no client hand-writes a response type, and a document that asks for a field the schema lacks
// fails `tsc` and `gql-tada check` where it is written.
import { initGraphQLTada } from "gql.tada";
import type { introspection } from "./graphql-env.d.ts";

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: {
    /** ISO 8601 in UTC, as JSON carries it (the server serializes Date to that string). */
    DateTime: string;
  };
}>();

// A document as the text a server reads, for clients without urql (which prints documents itself):
// gql.tada's own printer, so such a client needs no graphql-js.
export { print } from "@0no-co/graphql.web";
export type { FragmentOf, ResultOf, TadaDocumentNode, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";

// The schema's enums as unions, for code that names a value outside a document (filters, labels).
export type RunStatus = ReturnType<typeof graphql.scalar<"RunStatus">>;
export type RunOrder = ReturnType<typeof graphql.scalar<"RunOrder">>;
export type SweepStrategy = ReturnType<typeof graphql.scalar<"SweepStrategy">>;
export type RunsChangedKind = ReturnType<typeof graphql.scalar<"RunsChangedKind">>;
