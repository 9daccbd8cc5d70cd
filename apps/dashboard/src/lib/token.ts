// The API token, when the API asks for one: kept for this browser session only (sessionStorage),
// plus a same-site cookie so that server components can send it too. It is typed in by the user,
// never built into the bundle. Links to files (images, downloads) carry its read-only stand-in
// instead (fileReadToken): addresses end up in history, logs and shared links.
import { fileReadToken } from "@trainql/graphql/fileReadToken";

export const TOKEN_COOKIE = "trainql_token";
const READ_TOKEN_KEY = "trainql_read_token";

export function getToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.sessionStorage.getItem(TOKEN_COOKIE);
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
