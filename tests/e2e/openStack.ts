// What the specs on the open stack (no API token) share: GraphQL over HTTP straight to its API, for
// setting up and checking what the pages show; waiting on a condition; full-page screenshots.
import type { Page } from "@playwright/test";
import { print, type TadaDocumentNode } from "@trainql/graphql";
import { API_PORT } from "../playwright.config.ts";

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
