// Which web pages may talk to the API from a browser. Scripts and servers send no Origin header and
// are unaffected; a browser always sends one with a cross-site POST or WebSocket, and a page whose
// origin is not the dashboard's must get nothing done — neither a form post nor a fetch nor a
// WebSocket (which CORS never covers). Being reachable only on loopback does not help here: the
// attacker's page runs in a browser on the same machine.
//
// Nor does it help against DNS rebinding: a page at http://evil.example:4000 whose name then
// resolves to 127.0.0.1 is same-origin with itself, so its browser sends no Origin on a GET and reads
// the answer. Only the Host header tells: an API on loopback answers loopback names alone.
import type { IncomingMessage } from "node:http";

export interface OriginPolicy {
  /** Origins of pages allowed to call the API from a browser (the dashboard's), e.g. http://localhost:3000. */
  allowedOrigins: string[];
  /**
   * Host names the API answers to besides loopback's (localhost, 127.0.0.1, [::1]); "any" for an API
   * that listens beyond loopback, whose names it cannot know. Default: none.
   */
  allowedHosts?: readonly string[] | "any";
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The name in a Host header, without its port. */
const hostnameOf = (host: string) => host.replace(/:\d+$/, "").toLowerCase();

/** Whether a request addressed to `host` (its Host header) is for this API (see allowedHosts). */
export function hostAllowed(policy: OriginPolicy, host: string | undefined): boolean {
  const allowed = policy.allowedHosts ?? [];
  if (allowed === "any") return true;
  if (!host) return false;
  const name = hostnameOf(host);
  return LOOPBACK.has(name) || allowed.includes(name);
}

export const FORBIDDEN_HOST_MESSAGE = (host: string) =>
  `This API answers requests addressed to localhost, 127.0.0.1 or [::1]; this one was addressed to "${host}". To reach it by that name, add it to TRAINQL_ALLOWED_HOSTS (comma-separated).`;

/**
 * Whether a request with this Origin (undefined: not from a browser page) may proceed: a listed
 * origin, or the API's own page (GraphiQL) when the API was addressed by a loopback name (not a
 * rebound DNS name that happens to point at this machine).
 */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (policy.allowedOrigins.includes(origin)) return true;
  if (!host) return false;
  return LOOPBACK.has(hostnameOf(host)) && (origin === `http://${host}` || origin === `https://${host}`);
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
