import type { NextConfig } from "next";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP and WebSocket) and from server components.
  poweredByHeader: false,
  reactStrictMode: true,
  // The form rules are @trainql/nn's own TypeScript (the same the API enforces), compiled here.
  // @trainql/graphql is TypeScript too: the graphql() every document here is written with.
  transpilePackages: ["@trainql/nn", "@trainql/graphql"],
};

export default config;
