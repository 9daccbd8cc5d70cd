// What the specs on the open stack (no API token) share: GraphQL over HTTP straight to its API, for
// setting up and checking what the pages show; waiting on a condition; full-page screenshots; a
// request the API refuses; a form submitted once.
import { expect, type Locator, type Page, type Route } from "@playwright/test";
import { print, type TadaDocumentNode } from "@trainql/graphql";
import { API_PORT, CONTROL_PORT } from "../playwright.config.ts";

/** The open stack's API server (images and downloads are paths on it). */
export const API_ORIGIN = `http://127.0.0.1:${API_PORT}`;

export async function gql<T, V>(query: TadaDocumentNode<T, V>, variables: V): Promise<T> {
  const response = await fetch(`${API_ORIGIN}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: print(query), variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (body.errors || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Asks the open stack's test control (stack.ts) to stop or start the API, freeze or replace the trainer. */
export async function control(
  what: "stop-api" | "start-api" | "restart-api" | "pause-trainer" | "resume-trainer" | "replace-trainer",
) {
  expect((await fetch(`http://127.0.0.1:${CONTROL_PORT}/${what}`, { method: "POST" })).ok).toBe(true);
}

/** Polls `probe` until it returns something other than false. */
export async function until<T>(what: string, probe: () => Promise<T | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A full-page screenshot into test-results/screenshots, which CI keeps. */
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });

/** A UUID no run or group has: the API refuses an operation about it (NOT_FOUND). */
export const MISSING_ID = "00000000-0000-4000-8000-000000000000";

/**
 * Until the returned function is called, the page's requests of the operation `operationName` are
 * sent about MISSING_ID, so the API itself refuses them, as it would refuse a real one.
 */
export async function refused(page: Page, operationName: string): Promise<() => Promise<void>> {
  const handler = (route: Route) => {
    const body = route.request().postDataJSON() as { operationName?: string; variables?: object } | null;
    if (body?.operationName !== operationName) return route.fallback();
    return route.continue({ postData: JSON.stringify({ ...body, variables: { ...body.variables, id: MISSING_ID } }) });
  };
  await page.route("**/graphql", handler);
  return () => page.unroute("**/graphql", handler);
}

/** The GraphQL operation a request carries: in its body (POST), or in its address (urql sends a short query by GET). */
function operationOf(route: Route): string | undefined {
  const request = route.request();
  const inUrl = new URL(request.url()).searchParams.get("operationName");
  if (inUrl) return inUrl;
  try {
    return (request.postDataJSON() as { operationName?: string } | null)?.operationName;
  } catch {
    return undefined;
  }
}

/**
 * Until the returned function is called, the API's answers to the page's requests of `operationName`
 * reach the page as `edit` changes their data: for a state the stack cannot make on demand (a failed
 * test evaluation), written as the API reports it.
 */
export async function rewritten(
  page: Page,
  operationName: string,
  edit: (data: Record<string, unknown>) => void,
): Promise<() => Promise<void>> {
  const handler = async (route: Route) => {
    if (operationOf(route) !== operationName) return route.fallback();
    const response = await route.fetch();
    const json = (await response.json()) as { data?: Record<string, unknown> };
    if (json.data) edit(json.data);
    return route.fulfill({ response, json });
  };
  await page.route("**/graphql**", handler);
  return () => page.unroute("**/graphql**", handler);
}

/**
 * The page's first request of `operationName` reaches the API, which carries it out, and its answer
 * is lost on the way back, as when a connection breaks around the commit; later ones go through.
 */
export async function loseFirstAnswer(page: Page, operationName: string): Promise<void> {
  let lost = false;
  await page.route("**/graphql**", async (route) => {
    if (lost || operationOf(route) !== operationName) return route.fallback();
    lost = true;
    await route.fetch();
    await route.abort("connectionreset");
  });
}

/**
 * Until the returned function is called, the events of the page's subscriptions `operationName` reach
 * it as `edit` changes their data: what `rewritten` does to answers, for a page that follows the API
 * over its WebSocket (graphql-ws). Set before the page opens: a socket already open is not routed.
 */
export async function rewrittenEvents(
  page: Page,
  operationName: string,
  edit: (data: Record<string, unknown>) => void,
): Promise<() => void> {
  let editing = true;
  await page.routeWebSocket("**/graphql", (socket) => {
    const server = socket.connectToServer();
    // graphql-ws names the operation when it subscribes; its events carry only the subscription's id.
    const ids = new Set<string>();
    socket.onMessage((message) => {
      const sent = JSON.parse(String(message)) as { type: string; id?: string; payload?: { operationName?: string } };
      if (sent.type === "subscribe" && sent.payload?.operationName === operationName) ids.add(sent.id!);
      server.send(message);
    });
    server.onMessage((message) => {
      const event = JSON.parse(String(message)) as { type: string; id?: string; payload?: { data?: object } };
      if (!editing || event.type !== "next" || !ids.has(event.id!) || !event.payload?.data) return socket.send(message);
      edit(event.payload.data as Record<string, unknown>);
      socket.send(JSON.stringify(event));
    });
  });
  return () => {
    editing = false;
  };
}

/**
 * Clicks a form's submit button and waits for the page it leads to, checking that the button stayed
 * off until then: back on while the next page loads, a second click would submit again (a duplicate).
 */
export async function submitOnce(page: Page, button: Locator, next: Parameters<Page["waitForURL"]>[0]) {
  await expect(button).toBeEnabled();
  await button.evaluate((el) => {
    const changes: string[] = [];
    new MutationObserver((records) => {
      for (const r of records) changes.push(r.oldValue === null ? "off" : "on");
    }).observe(el, { attributeFilter: ["disabled"], attributeOldValue: true });
    (window as { submitButtonChanges?: string[] }).submitButtonChanges = changes;
  });
  await button.click();
  await page.waitForURL(next);
  expect(await page.evaluate(() => (window as { submitButtonChanges?: string[] }).submitButtonChanges)).toEqual([
    "off",
  ]);
}

/** Types each value into the form's input of that name. */
export async function fill(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) await page.locator(`input[name="${name}"]`).fill(value);
}
