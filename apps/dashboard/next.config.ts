import type { NextConfig } from "next";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP and WebSocket) and from server components.
  poweredByHeader: false,
  reactStrictMode: true,
  // The form rules are @trainql/nn's own TypeScript (the same the API enforces), compiled here.
  transpilePackages: ["@trainql/nn"],
};

export default config;
