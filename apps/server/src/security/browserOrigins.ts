// Which web pages may talk to the API from a browser. Scripts and servers send no Origin header and
// are unaffected; a browser always sends one with a cross-site POST or WebSocket, and a page whose
// origin is not the dashboard's must get nothing done — neither a form post nor a fetch nor a
// WebSocket (which CORS never covers). Being reachable only on loopback does not help here: the
// attacker's page runs in a browser on the same machine.
import type { IncomingMessage } from "node:http";

export interface OriginPolicy {
  /** Origins of pages allowed to call the API from a browser (the dashboard's), e.g. http://localhost:3000. */
  allowedOrigins: string[];
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether a request with this Origin (undefined: not from a browser page) may proceed: a listed
 * origin, or the API's own page (GraphiQL) when the API was addressed by a loopback name (not a
 * rebound DNS name that happens to point at this machine).
 */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (policy.allowedOrigins.includes(origin)) return true;
  if (!host) return false;
  const hostname = host.replace(/:\d+$/, "");
  return LOOPBACK.has(hostname) && (origin === `http://${host}` || origin === `https://${host}`);
}

/**
 * Operations must come as JSON (or a GET query, which cannot mutate): a form or text/plain body is
 * what a page can send cross-site without a CORS preflight, so it is refused outright.
 */
export function csrfSafeContentType(req: IncomingMessage): boolean {
  if (req.method !== "POST") return true;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || type === "application/graphql-response+json";
}

export const FORBIDDEN_ORIGIN_MESSAGE = (origin: string) =>
  `Requests from pages at ${origin} are not allowed. Add it to TRAINQL_ALLOWED_ORIGINS (comma-separated) to let the page call this API.`;
