// An API with a token: the dashboard asks for it once, keeps it for the session, and works. A
// read-only token (API_READ_TOKEN) watches, and what it may not do says so and offers another sign-in.
import { expect, test } from "@playwright/test";
import { AUTH } from "../playwright.config.ts";

test("asks for the token, refuses a wrong one, and works with the right one for the session", async ({ page }) => {
  await page.goto("/");
  const dialog = page.getByRole("dialog", { name: "Sign in" });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: "test-results/screenshots/20-sign-in.png", fullPage: true });

  await dialog.getByLabel("API token").fill("wrong-token");
  await dialog.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("dialog", { name: "Sign in" })).toBeVisible(); // asked again

  await page.getByRole("dialog", { name: "Sign in" }).getByLabel("API token").fill(AUTH.token);
  await page.getByRole("dialog", { name: "Sign in" }).getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("No runs yet.")).toBeVisible();

  // Server-rendered pages get the token too, and a run can be started and followed live. This stack's
  // trainer runs without the BLAS (TRAINQL_BLAS=off), and the page says so before anyone starts a run.
  await expect(async () => {
    await page.goto("/runs/new");
    await expect(page.getByTestId("backend-warning")).toContainText("TRAINQL_BLAS=off", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("backend-warning")).toContainText("Slower than it could be");
  await page.screenshot({ path: "test-results/screenshots/22-new-run-without-blas.png", fullPage: true });
  for (const [name, value] of Object.entries({ hiddenSize: "8", numIters: "200", batchSize: "20" })) {
    await page.locator(`input[name="${name}"]`).fill(value);
  }
  await page.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED", { timeout: 60_000 });
  await expect
    .poll(() => page.locator("img.weights").evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await page.screenshot({ path: "test-results/screenshots/21-signed-in-run.png", fullPage: true });
  // A new tab (or an address pasted into one) is signed in too: the cookie holds the token, and the
  // weights image gets the token's read-only stand-in. It asked for the token again, and the image
  // went out without the stand-in.
  const second = await page.context().newPage();
  await second.goto(page.url());
  await expect(second.getByTestId("run-status")).toHaveText("SUCCEEDED");
  await expect
    .poll(() => second.locator("img.weights").evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBeGreaterThan(0);
  await expect(second.getByRole("dialog", { name: "Sign in" })).toHaveCount(0);
  await second.close();
  // The image loaded (above) and the download links work with the token's read-only stand-in, and
  // no address on the page holds the token itself: addresses end up in history, logs and shared links.
  const addresses = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLImageElement | HTMLAnchorElement>("img[src], a[href]")].map((e) =>
      e instanceof HTMLImageElement ? e.src : e.href,
    ),
  );
  expect(addresses.join("\n")).not.toContain(AUTH.token);
  const imageSrc = await page.locator("img.weights").getAttribute("src");
  expect(imageSrc).toMatch(/[?&]read_token=[\w-]+/);
  const link = (await page.locator('a[href*="/export.csv"]').first().getAttribute("href")) as string;
  expect(link).toMatch(/[?&]read_token=[\w-]+/);
  // (Queries need the token on this stack: without the stand-in the file is refused.)
  expect((await fetch(link)).status).toBe(200);
  expect((await fetch(link.replace(/[?&]read_token=[\w-]+/, ""))).status).toBe(401);

  // The token is not in the page's scripts: it came from the user.
  const scripts = await page.evaluate(async () => {
    const sources = [...document.scripts].map((s) => s.src).filter(Boolean);
    return (await Promise.all(sources.map(async (src) => (await fetch(src)).text()))).join("\n");
  });
  expect(scripts).not.toContain(AUTH.token);
});

test("a read-only token watches a run live; its Cancel is refused, changes nothing and offers another sign-in", async ({
  browser,
}) => {
  const api = `http://127.0.0.1:${AUTH.apiPort}/graphql`;
  const call = async (token: string, query: string, variables: object = {}) =>
    (await (
      await fetch(api, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      })
    ).json()) as {
      data?: Record<string, { uuid: string; status: string }>;
      errors?: { extensions: { code: string } }[];
    };
  const started = await call(
    AUTH.token,
    `mutation ($input: StartRunInput!) { startRun(input: $input) { uuid status } }`,
    { input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20 } },
  );
  const uuid = started.data!.startRun!.uuid;
  // A fresh browser: no cookie, so it signs in with the read-only token.
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`/runs/${uuid}`);
    // The server could not render the run without a token: the page says so and offers to sign in.
    await expect(page.getByText("This API needs a token to show this page.")).toBeVisible();
    await page.getByRole("button", { name: "Sign in" }).click();
    const dialog = page.getByRole("dialog", { name: "Sign in" });
    await dialog.getByLabel("API token").fill(AUTH.readToken);
    await dialog.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("run-status")).toHaveText("RUNNING", { timeout: 60_000 });
    // Live: its iterations grow while the page is open.
    const iterations = async () =>
      Number(
        /iteration ([\d,]+)/.exec((await page.getByTestId("iteration").textContent()) ?? "")?.[1]?.replace(/,/g, "") ??
          -1,
      );
    const before = await iterations();
    await expect.poll(iterations, { timeout: 30_000 }).toBeGreaterThan(before);
    // Connected, so not told otherwise. (The socket could connect before the page hydrated, and the
    // page then said it could not reach the API, for good.)
    await expect(page.getByTestId("api-unreachable")).toHaveCount(0);

    page.once("dialog", (confirm) => void confirm.accept());
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect(page.getByTestId("signin-reason")).toContainText("may only watch");
    await page.screenshot({ path: "test-results/screenshots/23-read-only-refused.png", fullPage: true });
    await page.getByRole("button", { name: "Go on watching" }).click();
    await expect(page.getByRole("dialog", { name: "Sign in" })).toHaveCount(0);
    await expect(page.getByTestId("run-status")).toHaveText("RUNNING");
    const { data } = await call(AUTH.readToken, `query ($id: ID!) { run(id: $id) { uuid status } }`, { id: uuid });
    expect(data!.run!.status).toBe("RUNNING");
  } finally {
    await context.close();
    await call(AUTH.token, `mutation ($id: ID!) { cancelRun(id: $id) { uuid status } }`, { id: uuid });
  }
});
