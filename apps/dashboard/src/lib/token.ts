// The API token, when the API asks for one: kept for this browser session only (sessionStorage),
// plus a same-site cookie so that server components can send it too, and so that a new tab or a
// pasted address (a fresh sessionStorage) is signed in as well. It is typed in by the user,
// never built into the bundle. Links to files (images, downloads) carry its read-only stand-in
// instead (fileReadToken): addresses end up in history, logs and shared links.
import { fileReadToken } from "@trainql/graphql/fileReadToken";

export const TOKEN_COOKIE = "trainql_token";
const READ_TOKEN_KEY = "trainql_read_token";

/** The token signed in with: this tab's, else the cookie's (signed in from another tab). */
export function getToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.sessionStorage.getItem(TOKEN_COOKIE) ?? cookieToken();
}

function cookieToken(): string | null {
  const entry = document.cookie.split("; ").find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  const value = entry?.slice(TOKEN_COOKIE.length + 1);
  return value ? decodeURIComponent(value) : null;
}

/**
 * Takes the cookie's token into a tab that has none of its own, deriving its read-only stand-in
 * (asynchronous: Web Crypto), so that getReadToken has it once this resolves. Until then file links
 * would go out without it and be refused.
 */
export async function adoptCookieToken(): Promise<void> {
  if (typeof window === "undefined" || window.sessionStorage.getItem(READ_TOKEN_KEY)) return;
  const token = cookieToken();
  if (token) await setToken(token);
}

/** The `read_token` for file links, or null without a token. */
export function getReadToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.sessionStorage.getItem(READ_TOKEN_KEY);
}

export async function setToken(token: string | null): Promise<void> {
  if (token) {
    window.sessionStorage.setItem(READ_TOKEN_KEY, await fileReadToken(token));
    window.sessionStorage.setItem(TOKEN_COOKIE, token);
    document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
  } else {
    window.sessionStorage.removeItem(TOKEN_COOKIE);
    window.sessionStorage.removeItem(READ_TOKEN_KEY);
    document.cookie = `${TOKEN_COOKIE}=; path=/; max-age=0; SameSite=Strict`;
  }
}

export const isUnauthenticated = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) =>
  Boolean(errors?.some((e) => e.extensions?.code === "UNAUTHENTICATED"));
