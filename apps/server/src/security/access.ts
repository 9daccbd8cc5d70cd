// Who may do what. With API tokens configured, mutations and subscriptions need one (and queries
// too, unless they are public); a missing or wrong token gets UNAUTHENTICATED and changes nothing.
import { timingSafeEqual } from "node:crypto";
import { type DocumentNode, GraphQLError, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";

export interface AccessPolicy {
  /** Accepted bearer tokens; empty: no authentication (loopback only, see main.ts). */
  tokens: string[];
  /** Whether queries work without a token when tokens are configured. */
  publicQueries: boolean;
}

/** The token from `Authorization: Bearer …` (HTTP) or the graphql-ws connection params. */
export function bearerToken(authorization: unknown): string | null {
  if (typeof authorization !== "string") return null;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  return match?.[1] ?? null;
}

export function isValidToken(policy: AccessPolicy, token: string | null): boolean {
  if (!token) return false;
  const given = Buffer.from(token);
  // Compare against every token without an early exit, in constant time each.
  let ok = false;
  for (const t of policy.tokens) {
    const expected = Buffer.from(t);
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

export function needsToken(policy: AccessPolicy, document: DocumentNode, operationName?: string | null): boolean {
  if (policy.tokens.length === 0) return false;
  const operation = getOperationAST(document, operationName ?? undefined)?.operation;
  return operation !== "query" || !policy.publicQueries;
}

export const unauthenticated = () =>
  new GraphQLError(
    "This operation needs an API token: send `Authorization: Bearer <token>` (HTTP) or connectionParams.authorization (WebSocket).",
    {
      extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
    },
  );

/** Checks every operation, over HTTP and WebSocket alike, before it executes. */
export function useAccessControl(policy: AccessPolicy): Plugin<{ token?: string | null }> {
  const check = (args: {
    document: DocumentNode;
    operationName?: string | null;
    contextValue: { token?: string | null };
  }) => needsToken(policy, args.document, args.operationName) && !isValidToken(policy, args.contextValue.token ?? null);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (check(args)) setResultAndStopExecution({ errors: [unauthenticated()] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      if (check(args)) setResultAndStopExecution({ errors: [unauthenticated()] });
    },
  };
}
