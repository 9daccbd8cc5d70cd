// The one schema builder: its plugins, context and scalars. Types live one file each beside it.
import SchemaBuilder from "@pothos/core";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ValidationPlugin from "@pothos/plugin-validation";
import type { Db } from "@trainql/db";
import { getDatamodel, type PrismaTypes } from "@trainql/db/pothos";
import { problemsOf } from "@trainql/nn/validation";
import type { ReapPolicy, RunPubSub } from "@trainql/runs";
import type { AccessLevel } from "../security/access.ts";
import type { AdmissionLimits } from "../security/admission.ts";
import type { LossHistoryBudget } from "../security/lossHistoryBudget.ts";
import type { RateLimiter } from "../security/rateLimiter.ts";
import { invalidInput } from "./errors.ts";
import { decodeNodeId } from "./ids.ts";

export interface Context {
  db: Db;
  pubsub: RunPubSub;
  /** The caller's bearer token, if it sent one (checked by the access-control plugin). */
  token: string | null;
  /** What that token may do: "none" for an anonymous caller of an API with tokens (public queries only). */
  access: AccessLevel;
  /**
   * Whose rate of starts this request counts against: its token if it may start runs, else "anonymous" (made-up
   * tokens, accepted where none are configured, would each get a rate of their own).
   */
  caller: string;
  /** What runs it queues record as Run.queuedBy: a fingerprint of its token of API_TOKEN, else null. */
  queuedBy: string | null;
  rateLimiter: RateLimiter;
  limits: AdmissionLimits;
  /** How much loss history the execution with this root value may still read (budgetPerExecution). */
  lossHistoryBudget: (rootValue: unknown) => LossHistoryBudget;
  /** When a RUNNING run counts as ownerless (cancelRun ends such a run itself). */
  reapPolicy: ReapPolicy;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  PrismaTypes: PrismaTypes;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [PrismaPlugin, RelayPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  // Prisma-backed fields query from the GraphQL selection: a type in select mode reads only the
  // columns its requested fields name (never the weights image, checkpoints or loss chunks unless a
  // field needs them), relations are loaded in the same query or batched, and connections page
  // with Prisma cursors (but runs, whose cursors hold the sort key: runOrder.ts).
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    // The schema's descriptions are written for API clients, not taken from schema.prisma's comments.
    exposeDescriptions: false,
    // totalCount (where a connection offers one) counts what the connection's filter lets through.
    filterConnectionTotalCount: true,
  },
  relay: { clientMutationId: "omit", cursorType: "String", decodeGlobalID: decodeNodeId },
  // Arguments with a schema (@trainql/nn's) are parsed before their resolver runs; what a schema
  // refuses is one BAD_USER_INPUT naming every bad field, in the words the CLIs and forms use.
  validation: { validationError: (failure) => invalidInput(problemsOf(failure.issues)) },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 string in UTC.",
  serialize: (date) => date.toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError(`DateTime must be an ISO 8601 string; got ${String(value)}`);
    return date;
  },
});
