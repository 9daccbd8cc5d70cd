// Who may do what. With API tokens configured, mutations need a token of API_TOKEN, and subscriptions
// (and queries, unless they are public) a token of API_TOKEN or of API_READ_TOKEN: one to watch runs
// with, which changes nothing. A missing or wrong token gets UNAUTHENTICATED, a read-only token's
// mutation FORBIDDEN; neither changes anything.
import { createHmac, timingSafeEqual } from "node:crypto";
import { type DocumentNode, GraphQLError, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";

export interface AccessPolicy {
  /** Accepted bearer tokens, for anything; empty: no authentication (loopback only, see main.ts). */
  tokens: string[];
  /** Tokens that may read and watch (queries, subscriptions, files) but change nothing. */
  readOnlyTokens?: string[];
  /** Whether queries work without a token when tokens are configured. */
  publicQueries: boolean;
}

/** What a caller may do: nothing but public reads, read and watch, or anything. */
export type AccessLevel = "none" | "read" | "write";
const RANK: Record<AccessLevel, number> = { none: 0, read: 1, write: 2 };

/** The token from `Authorization: Bearer …` (HTTP) or the graphql-ws connection params. */
export function bearerToken(authorization: unknown): string | null {
  if (typeof authorization !== "string") return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match?.[1] ?? null;
}

/** Whether `token` is one of `tokens`: compared with every one, without an early exit, in constant time each. */
export function isOneOf(tokens: readonly string[], token: string | null): boolean {
  if (!token) return false;
  const given = Buffer.from(token);
  let ok = false;
  for (const t of tokens) {
    const expected = Buffer.from(t);
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** What the caller with `token` may do. Without tokens configured, anything (the API is on loopback). */
export function accessOf(policy: AccessPolicy, token: string | null): AccessLevel {
  if (policy.tokens.length === 0 || isOneOf(policy.tokens, token)) return "write";
  return isOneOf(policy.readOnlyTokens ?? [], token) ? "read" : "none";
}

/**
 * Who queued a run, as the database keeps it: not the token (a database dump would hand out the API),
 * a keyed hash of it that tells tokens apart and cannot be turned back into one.
 */
export const tokenFingerprint = (token: string) =>
  createHmac("sha256", token).update("trainql: queued by").digest("base64url").slice(0, 22);

/** What an operation needs. */
export function accessNeeded(policy: AccessPolicy, document: DocumentNode, operationName?: string | null): AccessLevel {
  if (policy.tokens.length === 0) return "none";
  const operation = getOperationAST(document, operationName ?? undefined)?.operation;
  if (operation === "mutation") return "write";
  return operation === "query" && policy.publicQueries ? "none" : "read";
}

export const unauthenticated = () =>
  new GraphQLError(
    "This operation needs an API token: send `Authorization: Bearer <token>` (HTTP) or connectionParams.authorization (WebSocket).",
    {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    },
  );

export const readOnly = () =>
  new GraphQLError(
    "This token may only read and watch (it is one of API_READ_TOKEN): mutations need a token of API_TOKEN. Nothing was changed.",
    { extensions: { code: "FORBIDDEN", http: { status: 403 } } },
  );

/** Checks every operation, over HTTP and WebSocket alike, before it executes. */
export function useAccessControl(policy: AccessPolicy): Plugin<{ token?: string | null }> {
  const refusal = (args: {
    document: DocumentNode;
    operationName?: string | null;
    contextValue: { token?: string | null };
  }) => {
    const has = accessOf(policy, args.contextValue.token ?? null);
    if (RANK[has] >= RANK[accessNeeded(policy, args.document, args.operationName)]) return null;
    return has === "read" ? readOnly() : unauthenticated();
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = refusal(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
