// Where the API is. Server components reach it at TRAINQL_API_URL (default the local API); browsers
// at TRAINQL_PUBLIC_API_URL when set, else at the page's own host on the API's port, so a dashboard
// opened from another machine still finds it.
export const API_PORT = process.env.TRAINQL_API_PORT ?? "4000";

export function serverApiUrl(): string {
  return process.env.TRAINQL_API_URL ?? `http://127.0.0.1:${API_PORT}/graphql`;
}

/** Read by the layout (a server component) and handed to the browser; null means "same host". */
export function publicApiUrl(): string | null {
  return process.env.TRAINQL_PUBLIC_API_URL ?? null;
}

export function browserApiUrl(configured: string | null, apiPort: string): string {
  if (configured) return configured;
  return `${window.location.protocol}//${window.location.hostname}:${apiPort}/graphql`;
}

/** The API's origin, for paths it serves (weights images). */
export const originOf = (graphqlUrl: string) => new URL(graphqlUrl).origin;
