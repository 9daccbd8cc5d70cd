// The browser's GraphQL client: urql over HTTP for queries and mutations, graphql-ws for
// subscriptions. The WebSocket reconnects forever; subscriptions restart on reconnect and the server
// replays what is stored, so a page catches up after an API restart without a reload.
import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from "@urql/core";
import { createClient as createWsClient } from "graphql-ws";
import { getToken, isUnauthenticated } from "./token";

export type ConnectionState = "connecting" | "connected" | "reconnecting";

const authorization = () => {
  const token = getToken();
  return token ? `Bearer ${token}` : undefined;
};

export function makeClient(
  apiUrl: string,
  onConnection: (state: ConnectionState) => void,
  onUnauthenticated: () => void,
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
          if (isUnauthenticated(error.graphQLErrors)) onUnauthenticated();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
    // Live pages refetch on events; the cache must not hide newer data.
    requestPolicy: "cache-and-network",
  });
}
