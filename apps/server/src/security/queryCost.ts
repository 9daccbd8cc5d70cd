// The query cost limit (GraphQL Armor's cost model), applied to an operation as it will run. Armor's
// own rule runs while validating, before the variables are known: it counts `runs(first: 500)` as 500
// runs but `runs(first: $n)`, or `runs` with no `first`, as one. So this checks the operation once its
// variables are in: each page argument's value, a connection's default page where none is given, and
// the most items a plain list can hold where that is bounded (a seed group's members, the ids given
// to `nodes`).
//
// Relations go both ways (a run's group and the group's runs, a run's forks and a fork's parent), so
// a query can walk a cycle: `group { runs { group { runs … } } }` multiplies by 20 at each turn,
// 3.2 M runs at five turns, within any depth limit that lets the dashboard's queries through. No use
// walks the same list twice on one path, so that is refused outright, whatever the cost says.
import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import {
  type ArgumentNode,
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isInputType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  TypeInfo,
  typeFromAST,
  validate,
  valueFromAST,
  visit,
  visitWithTypeInfo,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { rejectTooComplex } from "../schema/errors.ts";

/** A field as the cost check sees it: where it is, what it returns, and its arguments' values. */
export interface CostedField {
  parentType: string;
  fieldName: string;
  /** The named type it returns (a connection's, for a page). */
  returnType: string;
  argument: (name: string) => unknown;
}

export interface QueryCostOptions {
  maxCost: number;
  /**
   * How many items a field given neither `first` nor `last` counts as: a connection's default page,
   * or the most a bounded list can hold; undefined to count it as one.
   */
  itemsOf: (field: CostedField) => number | undefined;
}

const PAGE_ARGUMENTS = new Set(["first", "last"]);

const intArgument = (name: string, value: number): ArgumentNode => ({
  kind: Kind.ARGUMENT,
  name: { kind: Kind.NAME, value: name },
  value: { kind: Kind.INT, value: String(value) },
});

/** An argument's value: a literal (a list as its items' count of nulls), or the variable's value. */
function argumentValue(arg: ArgumentNode | undefined, variables: Record<string, unknown> | undefined): unknown {
  if (!arg) return undefined;
  const { value } = arg;
  if (value.kind === Kind.VARIABLE) return variables?.[value.name.value];
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.LIST) return value.values.map(() => null);
  return undefined;
}

/** The document with every list's size written out as `first`: pages, and bounded lists (see itemsOf). */
export function withPageSizes(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  itemsOf: QueryCostOptions["itemsOf"],
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const given = (node.arguments ?? []).filter((a) => PAGE_ARGUMENTS.has(a.name.value));
        const sizes = given
          .map((arg) => argumentValue(arg, variables))
          .filter((n): n is number => typeof n === "number");
        const type = getNamedType(typeInfo.getType());
        const parent = typeInfo.getParentType();
        const page =
          sizes.length > 0
            ? Math.max(...sizes)
            : type && parent
              ? itemsOf({
                  parentType: parent.name,
                  fieldName: node.name.value,
                  returnType: type.name,
                  argument: (name) =>
                    argumentValue(
                      node.arguments?.find((a) => a.name.value === name),
                      variables,
                    ),
                })
              : undefined;
        if (page === undefined) return undefined;
        const others = (node.arguments ?? []).filter((a) => !PAGE_ARGUMENTS.has(a.name.value));
        return { ...node, arguments: [...others, intArgument("first", page)] };
      },
    }),
  );
}

/**
 * What of the variables can change the verdict: the numbers (page sizes) and the lists' lengths (the
 * ids given to `nodes`). Other values (an id, a filter) cannot, so a document judged once is judged
 * for them all.
 */
function sizesKey(variables: Record<string, unknown> | undefined): string {
  const sizes = Object.entries(variables ?? {})
    .filter(([, value]) => typeof value === "number" || Array.isArray(value))
    .map(([name, value]) => [name, Array.isArray(value) ? `${value.length} items` : value]);
  return JSON.stringify(sizes.sort(([a], [b]) => String(a).localeCompare(String(b))));
}

/**
 * Refusals for each list field that appears within itself on one path of the operation (through
 * fragments too): `Run.forks` under `Run.forks`, `RunGroup.runs` under `RunGroup.runs`.
 */
export function listsWithinThemselves(schema: GraphQLSchema, document: DocumentNode): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const found = new Map<string, string[]>();
  const walk = (selections: SelectionSetNode, type: GraphQLNamedType | undefined | null, path: string[]) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
        if (!field || !selection.selectionSet) continue;
        const list = isListType(getNullableType(field.type)) ? `${type!.name}.${field.name}` : undefined;
        if (list && path.includes(list)) {
          if (!found.has(list)) found.set(list, [...path, list]);
          continue;
        }
        walk(selection.selectionSet, getNamedType(field.type), list ? [...path, list] : path);
      } else {
        const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const on = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
        walk(fragment.selectionSet, on, path);
      }
    }
  };
  for (const definition of document.definitions)
    if (definition.kind === Kind.OPERATION_DEFINITION)
      walk(definition.selectionSet, schema.getRootType(definition.operation), []);
  return [...found].map(
    ([list, path]) =>
      new GraphQLError(
        `${list} is asked for within itself (${path.join(" → ")}): each turn multiplies the answer. Ask for the inner level in a query of its own.`,
        { extensions: { code: "QUERY_TOO_COMPLEX" } },
      ),
  );
}

/**
 * The variables as the operation will run with them: one not sent takes its default from the
 * operation (`query ($n: Int = 500)`), which counted as no page size, so as the default page.
 */
function withDefaults(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const withDefault = (getOperationAST(document, operationName)?.variableDefinitions ?? []).filter(
    (v) => v.defaultValue && variables?.[v.variable.name.value] === undefined,
  );
  if (withDefault.length === 0) return variables;
  const defaults = withDefault.map((v) => {
    const type = typeFromAST(schema, v.type);
    return [v.variable.name.value, isInputType(type) ? valueFromAST(v.defaultValue, type) : undefined];
  });
  return { ...variables, ...Object.fromEntries(defaults) };
}

/** Verdicts kept per document, for this many sets of its variables' sizes at most. */
const VERDICTS_PER_DOCUMENT = 64;

/**
 * Refuses (QUERY_TOO_COMPLEX) an operation that asks for a list within itself, or whose cost with its
 * variables exceeds `maxCost`.
 */
export function useQueryCost({ maxCost, itemsOf }: QueryCostOptions): Plugin {
  const costErrors = (schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>) => {
    const cycles = listsWithinThemselves(schema, document);
    if (cycles.length > 0) return cycles;
    const written = withPageSizes(schema, document, variables, itemsOf);
    // A fragment costs what its fields cost where it is spread: unflattened, each spread counted as a
    // level deeper (×1.5 per level), so the dashboard's runs list, written with co-located
    // fragments, cost 3.7 times the same fields inline and went over the limit.
    const rule = costLimitRule({ maxCost, ignoreIntrospection: true, flattenFragments: true, ...rejectTooComplex });
    return validate(schema, written, [rule]);
  };
  // The verdict depends on the document and its variables' sizes only (sizesKey). Yoga hands over the
  // same parsed document for the same query text, so a list polled again is judged once: judging
  // the dashboard's runs list took 92 µs, a seventh of what answering it from memory takes.
  const verdicts = new WeakMap<DocumentNode, Map<string, readonly GraphQLError[]>>();
  const check = (schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>) => {
    let known = verdicts.get(document);
    if (!known) {
      known = new Map();
      verdicts.set(document, known);
    }
    const key = sizesKey(variables);
    let errors = known.get(key);
    if (!errors) {
      errors = costErrors(schema, document, variables);
      if (known.size >= VERDICTS_PER_DOCUMENT) known.clear();
      known.set(key, errors);
    }
    return errors;
  };
  const errorsOf = (args: ExecutionArgs) =>
    check(
      args.schema,
      args.document,
      withDefaults(args.schema, args.document, args.operationName, args.variableValues ?? undefined),
    );
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = errorsOf(args);
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = errorsOf(args);
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
  };
}
