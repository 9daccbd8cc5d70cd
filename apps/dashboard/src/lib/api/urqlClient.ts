// The browser's GraphQL client: urql over HTTP for queries and mutations, graphql-ws for
// subscriptions. The WebSocket reconnects forever and subscriptions restart on reconnect, so a page
// catches up after an API restart without a reload: one whose events carry a `cursor` (runEvents)
// resumes right after the last event it got; the others get the current state again.
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "@urql/core";
import { createClient as createWsClient } from "graphql-ws";
import { startTransition } from "react";
import { getToken, isReadOnlyRefusal, isUnauthenticated } from "@/lib/api/token";

export type ConnectionState = "connecting" | "connected" | "reconnecting";
/** Why the user is asked for a token: none (or a wrong one) was sent, or a read-only one tried to change something. */
export type SignInReason = "missing" | "readOnly";

const authorization = () => {
  const token = getToken();
  return token ? `Bearer ${token}` : undefined;
};

/** The `cursor` of a subscription event, when its root field has one. */
function lastCursor(data: unknown): string | undefined {
  const root = data && typeof data === "object" ? Object.values(data)[0] : undefined;
  const cursor = root && typeof root === "object" ? (root as { cursor?: unknown }).cursor : undefined;
  return typeof cursor === "string" ? cursor : undefined;
}

/** How often a subscription's events reach the page: at most this often, all that came meanwhile at once. */
const BATCH_MS = 250;

/**
 * `sink`, fed in batches: the events of BATCH_MS in one task (React renders once for them), as a
 * transition. Fed one by one, a fast run's stream re-rendered its page (curves, tables) many times a
 * second with urgent updates, and a link clicked meanwhile never finished navigating: each event
 * interrupted the navigation's transition (measured: still on the run's page after 4 minutes).
 */
function inBatches<T>(sink: { next(value: T): void; error(error: unknown): void; complete(): void }) {
  let queue: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length > 0)
      startTransition(() => {
        for (const value of batch) sink.next(value);
      });
  };
  return {
    next: (value: T) => {
      queue.push(value);
      timer ??= setTimeout(flush, BATCH_MS);
    },
    error: (error: unknown) => {
      flush();
      sink.error(error);
    },
    complete: () => {
      flush();
      sink.complete();
    },
    /** Forget what has not been delivered: the page stopped listening. */
    drop: () => {
      clearTimeout(timer);
      queue = [];
    },
  };
}

function makeClient(
  apiUrl: string,
  onConnection: (state: ConnectionState) => void,
  onSignInNeeded: (reason: SignInReason) => void,
): Client {
  let everConnected = false;
  const ws = createWsClient({
    url: apiUrl.replace(/^http/, "ws"),
    lazy: false,
    connectionParams: () => ({ authorization: authorization() }),
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(3000, 250 * 2 ** retries))),
    on: {
      connected: () => {
        everConnected = true;
        onConnection("connected");
      },
      closed: () => onConnection(everConnected ? "reconnecting" : "connecting"),
    },
  });
  return new Client({
    url: apiUrl,
    fetchOptions: () => {
      const auth = authorization();
      return auth ? { headers: { authorization: auth } } : {};
    },
    exchanges: [
      cacheExchange,
      mapExchange({
        onError(error) {
          if (isUnauthenticated(error.graphQLErrors)) onSignInNeeded("missing");
          else if (isReadOnlyRefusal(error.graphQLErrors)) onSignInNeeded("readOnly");
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => {
            // graphql-ws sends this same object again when it re-subscribes after a reconnect.
            const payload = { ...request, query: request.query ?? "" };
            const events = inBatches(sink);
            const unsubscribe = ws.subscribe(payload, {
              ...events,
              next: (value) => {
                const cursor = lastCursor(value.data);
                // Heard only by a document that declares $after and passes it to its field.
                if (cursor) payload.variables = { ...payload.variables, after: cursor };
                events.next(value as Parameters<typeof sink.next>[0]);
              },
            });
            return {
              unsubscribe: () => {
                events.drop();
                unsubscribe();
              },
            };
          },
        }),
      }),
    ],
    // Live pages refetch on events; the cache must not hide newer data.
    requestPolicy: "cache-and-network",
  });
}

/**
 * A client and its WebSocket's state, kept here rather than in a component: the socket may connect
 * before the page has hydrated, and a state update from it then went to a component not yet mounted
 * and was lost — the page said "cannot reach the API" over a live connection. Components read it
 * with useSyncExternalStore (onConnectionChange, connection).
 */
export interface ApiClient {
  client: Client;
  connection: () => ConnectionState;
  onConnectionChange: (listener: () => void) => () => void;
}

type Entry = ApiClient & { onSignInNeeded: (reason: SignInReason) => void };
const clients = new Map<string, Entry>();

/**
 * One client per API URL for the page's lifetime. A client opens its WebSocket at once and
 * reconnects forever, so one made in a render React then throws away (hydration recovery,
 * concurrent rendering: useMemo is only a hint) would go on holding a socket and retrying: under
 * load the browser ran out of sockets ("Insufficient resources"). `onSignInNeeded` is the latest
 * render's.
 */
export function clientFor(apiUrl: string, onSignInNeeded: (reason: SignInReason) => void): ApiClient {
  const existing = clients.get(apiUrl);
  if (existing) {
    existing.onSignInNeeded = onSignInNeeded;
    return existing;
  }
  let state: ConnectionState = "connecting";
  const listeners = new Set<() => void>();
  const entry: Entry = {
    onSignInNeeded,
    connection: () => state,
    onConnectionChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    client: makeClient(
      apiUrl,
      (next) => {
        state = next;
        for (const listener of listeners) listener();
      },
      (reason) => entry.onSignInNeeded(reason),
    ),
  };
  clients.set(apiUrl, entry);
  return entry;
}
