// Where the browser finds the API (the server's side is in env.ts): the public URL the layout hands
// over when one is configured, else the page's own host on the API's port.
export function browserApiUrl(configured: string | null, apiPort: string): string {
  if (configured) return configured;
  return `${window.location.protocol}//${window.location.hostname}:${apiPort}/graphql`;
}

/** The API's origin, for paths it serves (weights images). */
export const originOf = (graphqlUrl: string) => new URL(graphqlUrl).origin;
