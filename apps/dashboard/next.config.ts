import type { NextConfig } from "next";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP and WebSocket) and from server components.
  poweredByHeader: false,
  reactStrictMode: true,
  // The form rules are @trainql/nn's own TypeScript (the same the API enforces), compiled here.
  // @trainql/graphql is TypeScript too: the graphql() every document here is written with.
  // @trainql/runs: only its dependency-free modules (minMaxDownsample, trialRanking, runStatus): the
  // one way a loss curve is thinned, trials are ranked, and a status is final.
  transpilePackages: ["@trainql/nn", "@trainql/graphql", "@trainql/runs"],
};

export default config;
