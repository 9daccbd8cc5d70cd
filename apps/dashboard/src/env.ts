// The dashboard server's settings, read once (server components only: the browser gets what the
// layout hands it). Where the API is: server components reach it at TRAINQL_API_URL (default the
// local API); browsers at TRAINQL_PUBLIC_API_URL when set, else at the page's own host on the API's
// port, so a dashboard opened from another machine still finds it.
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65_535);

export const env = createEnv({
  server: {
    // (@trainql/env's DEFAULT_PORTS.api: the dashboard does not depend on the processes' settings package.)
    TRAINQL_API_PORT: port.default(4000),
    TRAINQL_API_URL: z.url().optional(),
    TRAINQL_PUBLIC_API_URL: z.url().optional(),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
  isServer: true,
});

export const serverApiUrl = () => env.TRAINQL_API_URL ?? `http://127.0.0.1:${env.TRAINQL_API_PORT}/graphql`;
