// The query cost limit (GraphQL Armor's cost model), applied to an operation as it will run. Armor's
// own rule runs while validating, before the variables are known: it counts `runs(first: 500)` as 500
// runs but `runs(first: $n)`, or `runs` with no `first`, as one. So this checks the operation once its
// variables are in: each page argument's value, and a connection's default page where none is given.
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import {
  type ArgumentNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  getNamedType,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { rejectTooComplex } from "../schema/errors.ts";

export interface QueryCostOptions {
  maxCost: number;
  /** A connection's page when neither `first` nor `last` is given, by the connection's type name. */
  defaultPage: (connectionType: string) => number | undefined;
}

const PAGE_ARGUMENTS = new Set(["first", "last"]);

const intArgument = (name: string, value: number): ArgumentNode => ({
  kind: Kind.ARGUMENT,
  name: { kind: Kind.NAME, value: name },
  value: { kind: Kind.INT, value: String(value) },
});

/** The document with every page size written out: variables' values, and the default pages. */
export function withPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  defaultPage: QueryCostOptions["defaultPage"],
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const given = (node.arguments ?? []).filter((a) => PAGE_ARGUMENTS.has(a.name.value));
        const pageOf = (arg: ArgumentNode): number | undefined => {
          if (arg.value.kind === Kind.INT) return Number(arg.value.value);
          const value = arg.value.kind === Kind.VARIABLE ? variables?.[arg.value.name.value] : undefined;
          return typeof value === "number" ? value : undefined;
        };
        const sizes = given.map(pageOf).filter((n): n is number => n !== undefined);
        const type = getNamedType(typeInfo.getType());
        const page = sizes.length > 0 ? Math.max(...sizes) : type && defaultPage(type.name);
        if (page === undefined) return undefined;
        const others = (node.arguments ?? []).filter((a) => !PAGE_ARGUMENTS.has(a.name.value));
        return { ...node, arguments: [...others, intArgument("first", page)] };
      },
    }),
  );
}

/** The names of the variables a document passes as page sizes (`first: $n`). */
function pageVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(arg) {
      if (PAGE_ARGUMENTS.has(arg.name.value) && arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
    },
  });
  return [...names];
}

/** Verdicts kept per document, for this many sets of its page variables' values at most. */
const VERDICTS_PER_DOCUMENT = 64;

/** Refuses (QUERY_TOO_COMPLEX) an operation whose cost with its variables exceeds `maxCost`. */
export function useQueryCost({ maxCost, defaultPage }: QueryCostOptions): Plugin {
  const costErrors = (schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>) => {
    const written = withPageSizes(schema, document, variables, defaultPage);
    // A fragment costs what its fields cost where it is spread: unflattened, each spread counted as a
    // level deeper (×1.5 per level), so the dashboard's runs list, written with co-located
    // fragments, cost 3.7 times the same fields inline and went over the limit.
    const rule = costLimitRule({ maxCost, ignoreIntrospection: true, flattenFragments: true, ...rejectTooComplex });
    return validate(schema, written, [rule]);
  };
  // The verdict depends on the document and its page variables' values only. Yoga hands over the
  // same parsed document for the same query text, so a list polled again is judged once: judging
  // the dashboard's runs list took 92 µs, a seventh of what answering it from memory takes.
  const verdicts = new WeakMap<
    DocumentNode,
    { pageVariables: string[]; byValues: Map<string, readonly GraphQLError[]> }
  >();
  const check = (schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>) => {
    let known = verdicts.get(document);
    if (!known) {
      known = { pageVariables: pageVariablesOf(document), byValues: new Map() };
      verdicts.set(document, known);
    }
    const key = JSON.stringify(known.pageVariables.map((name) => variables?.[name] ?? null));
    let errors = known.byValues.get(key);
    if (!errors) {
      errors = costErrors(schema, document, variables);
      if (known.byValues.size >= VERDICTS_PER_DOCUMENT) known.byValues.clear();
      known.byValues.set(key, errors);
    }
    return errors;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = check(args.schema, args.document, args.variableValues ?? undefined);
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = check(args.schema, args.document, args.variableValues ?? undefined);
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
  };
}
