import type { NextConfig } from "next";

const config: NextConfig = {
  // The dashboard talks to the API from the browser (HTTP and WebSocket) and from server components.
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
