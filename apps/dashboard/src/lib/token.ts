// The API token, when the API asks for one: kept for this browser session only (sessionStorage),
// plus a same-site cookie so that server components can send it too. It is typed in by the user,
// never built into the bundle.
export const TOKEN_COOKIE = "trainql_token";

export function getToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.sessionStorage.getItem(TOKEN_COOKIE);
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

export const isUnauthenticated = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) =>
  Boolean(errors?.some((e) => e.extensions?.code === "UNAUTHENTICATED"));
