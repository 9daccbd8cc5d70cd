"use client";
// The urql client for the whole app, the API's address for pages that link to its files, and the
// sign-in screen shown when the API asks for a token.
// On the server, live components render their loading state: a client without exchanges never
// answers, and the browser's real client takes over when the page hydrates.
import { Client, type CombinedError } from "@urql/core";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { Provider } from "urql";
import { apiErrorText } from "@/lib/api/apiErrorText";
import { browserApiUrl, originOf } from "@/lib/api/apiUrl";
import { getReadToken } from "@/lib/api/token";
import { type ConnectionState, clientFor, type SignInReason } from "@/lib/api/urqlClient";
import { useHydrated } from "@/lib/useHydrated";
import { SignIn } from "./SignIn";

interface Api {
  /** The GraphQL address the browser uses (what a message about an unreachable API names). */
  apiUrl: string;
  apiOrigin: string;
  connection: ConnectionState;
  /**
   * A file the API serves (weights images, downloads), with the token's read-only stand-in when
   * there is a token; undefined until the browser knows both the API's origin and that stand-in.
   */
  fileUrl: (path: string) => string | undefined;
  requestSignIn: () => void;
}

const ApiContext = createContext<Api>({
  apiUrl: "",
  apiOrigin: "",
  connection: "connecting",
  fileUrl: () => undefined,
  requestSignIn: () => {},
});
export const useApi = () => useContext(ApiContext);

/** apiErrorText with this browser's API address: what a component prints for a failed request. */
export function useApiErrorText(): (error: CombinedError) => string {
  const { apiUrl } = useApi();
  return useCallback((error: CombinedError) => apiErrorText(error, apiUrl), [apiUrl]);
}

/**
 * Calls `onReconnect` when the API's WebSocket is back after it was lost (an API restart). The
 * subscriptions restart by themselves, and those that begin with the current state (sweepEvents) or
 * resume at a cursor (runEvents) catch up; one that only sends changes (runsChanged) misses those
 * made meanwhile, so a page that relies on it reads its data again here.
 */
export function useOnReconnect(onReconnect: () => void) {
  const { connection } = useApi();
  const previous = useRef(connection);
  const latest = useRef(onReconnect);
  useEffect(() => {
    latest.current = onReconnect;
  });
  useEffect(() => {
    if (previous.current === "reconnecting" && connection === "connected") latest.current();
    previous.current = connection;
  }, [connection]);
}

/**
 * How long the first connection may take before the page says where it is trying. The lost-connection
 * banner needs a connection first: a browser that never reaches the API (a firewall or proxy between
 * it and the API's port, while the dashboard's server reaches the API) saw a server-rendered page
 * whose charts never filled, and no word why.
 */
const FIRST_CONNECTION_MS = 4000;

/** Whether the first connection has been "connecting" for FIRST_CONNECTION_MS. */
function useNeverConnected(connection: ConnectionState): boolean {
  const [late, setLate] = useState(false);
  useEffect(() => {
    setLate(false);
    if (connection !== "connecting") return;
    const timer = setTimeout(() => setLate(true), FIRST_CONNECTION_MS);
    return () => clearTimeout(timer);
  }, [connection]);
  return late && connection === "connecting";
}

const serverClient = new Client({ url: "/graphql", exchanges: [] });
const connecting = (): ConnectionState => "connecting";
const noSubscription = () => () => {};

export function Providers({
  publicApiUrl,
  apiPort,
  children,
}: {
  publicApiUrl: string | null;
  apiPort: string;
  children: ReactNode;
}) {
  const [signingIn, setSigningIn] = useState<SignInReason | null>(null);
  const requestSignIn = useCallback(() => setSigningIn("missing"), []);
  const { api, apiUrl, apiOrigin } = useMemo(() => {
    if (typeof window === "undefined") return { api: null, apiUrl: "", apiOrigin: "" };
    const url = browserApiUrl(publicApiUrl, apiPort);
    return { api: clientFor(url, setSigningIn), apiUrl: url, apiOrigin: originOf(url) };
  }, [publicApiUrl, apiPort]);
  const connection = useSyncExternalStore(
    api?.onConnectionChange ?? noSubscription,
    api?.connection ?? connecting,
    connecting,
  );
  const neverConnected = useNeverConnected(connection);
  // (The token is the browser's: a server-rendered address would go out without it.)
  const hydrated = useHydrated();
  const fileUrl = useCallback(
    (path: string) => {
      if (!hydrated) return undefined;
      const token = getReadToken();
      return `${apiOrigin}${path}${token ? `${path.includes("?") ? "&" : "?"}read_token=${encodeURIComponent(token)}` : ""}`;
    },
    [apiOrigin, hydrated],
  );
  return (
    <ApiContext.Provider value={{ apiUrl, apiOrigin, connection, fileUrl, requestSignIn }}>
      <Provider value={api?.client ?? serverClient}>
        {neverConnected && (
          <div className="banner" role="status" data-testid="api-unreachable">
            This browser cannot reach the TrainQL API at {apiUrl} — still trying. Live updates, charts and actions wait
            for it. Is the API running, and is that address open to this browser (a firewall, a proxy)? Set
            TRAINQL_PUBLIC_API_URL to the address browsers should use.
          </div>
        )}
        {connection === "reconnecting" && (
          <div className="banner" role="status">
            Connection to the API lost — reconnecting… The page catches up by itself.
          </div>
        )}
        {signingIn && <SignIn reason={signingIn} onClose={() => setSigningIn(null)} />}
        {children}
      </Provider>
    </ApiContext.Provider>
  );
}
