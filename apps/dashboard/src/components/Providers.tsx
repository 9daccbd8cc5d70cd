"use client";
// The urql client for the whole app, and the API's address for pages that link to its files.
// On the server, live components render their loading state: a client without exchanges never
// answers, and the browser's real client takes over when the page hydrates.
import { Client } from "@urql/core";
import { createContext, type ReactNode, useContext, useMemo, useState } from "react";
import { Provider } from "urql";
import { browserApiUrl, originOf } from "@/lib/apiUrl";
import { type ConnectionState, makeClient } from "@/lib/urqlClient";

const ApiContext = createContext<{ apiOrigin: string; connection: ConnectionState }>({
  apiOrigin: "",
  connection: "connecting",
});
export const useApi = () => useContext(ApiContext);

export function Providers({
  publicApiUrl,
  apiPort,
  children,
}: {
  publicApiUrl: string | null;
  apiPort: string;
  children: ReactNode;
}) {
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const { client, apiOrigin } = useMemo(() => {
    if (typeof window === "undefined") return { client: new Client({ url: "/graphql", exchanges: [] }), apiOrigin: "" };
    const url = browserApiUrl(publicApiUrl, apiPort);
    return { client: makeClient(url, setConnection), apiOrigin: originOf(url) };
  }, [publicApiUrl, apiPort]);
  return (
    <ApiContext.Provider value={{ apiOrigin, connection }}>
      <Provider value={client}>
        {connection === "reconnecting" && (
          <div className="banner" role="status">
            Connection to the API lost — reconnecting… The page catches up by itself.
          </div>
        )}
        {children}
      </Provider>
    </ApiContext.Provider>
  );
}
