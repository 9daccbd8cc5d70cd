// The one schema builder: its plugins, context and scalars. Types live one file each beside it.
import SchemaBuilder from "@pothos/core";
import RelayPlugin from "@pothos/plugin-relay";
import ValidationPlugin from "@pothos/plugin-validation";
import type { Db } from "@trainql/db";
import { problemsOf } from "@trainql/nn/validation";
import type { ReapPolicy, RunPubSub } from "@trainql/runs";
import type { AdmissionLimits } from "../security/admission.ts";
import type { RateLimiter } from "../security/rateLimiter.ts";
import { invalidInput } from "./errors.ts";
import { decodeNodeId } from "./ids.ts";

export interface Context {
  db: Db;
  pubsub: RunPubSub;
  /** The caller's bearer token, if it sent one (checked by the access-control plugin). */
  token: string | null;
  rateLimiter: RateLimiter;
  limits: AdmissionLimits;
  /** When a RUNNING run counts as ownerless (cancelRun ends such a run itself). */
  reapPolicy: ReapPolicy;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: { DateTime: { Input: Date; Output: Date } };
}>({
  plugins: [RelayPlugin, ValidationPlugin],
  defaultFieldNullability: false,
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
