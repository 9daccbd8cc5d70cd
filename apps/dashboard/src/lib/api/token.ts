// The API token, when the API asks for one: kept for this browser session only (sessionStorage),
// plus a same-site cookie so that server components can send it too, and so that a new tab or a
// pasted address (a fresh sessionStorage) is signed in as well. It is typed in by the user,
// never built into the bundle. Links to files (images, downloads) carry its read-only stand-in
// instead (fileReadToken): addresses end up in history, logs and shared links.
import { fileReadToken } from "@trainql/graphql/fileReadToken";

export const TOKEN_COOKIE = "trainql_token";

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

/** The `read_token` for file links, or null without a token. */
export function getReadToken(): string | null {
  const token = getToken();
  return token ? fileReadToken(token) : null;
}

export function setToken(token: string | null): void {
  if (token) {
    window.sessionStorage.setItem(TOKEN_COOKIE, token);
    document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; path=/; SameSite=Strict`;
  } else {
    window.sessionStorage.removeItem(TOKEN_COOKIE);
    document.cookie = `${TOKEN_COOKIE}=; path=/; max-age=0; SameSite=Strict`;
  }
}

type Errors = readonly { extensions?: Record<string, unknown> }[] | undefined;

export const isUnauthenticated = (errors: Errors) =>
  Boolean(errors?.some((e) => e.extensions?.code === "UNAUTHENTICATED"));

/** A token of API_READ_TOKEN asked to change something: another token could. */
export const isReadOnlyRefusal = (errors: Errors) => Boolean(errors?.some((e) => e.extensions?.code === "FORBIDDEN"));
