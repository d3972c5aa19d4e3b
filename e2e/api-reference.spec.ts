import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { API_KEY } from "./settings";

/**
 * The API reference at /api-reference: Scalar renders the document the server serves, loads
 * nothing from another host, runs under the app's CSP, and its "Test Request" client calls this
 * server with a pasted key.
 */

interface ServedDocument {
  info: { title: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, { summary: string; tags: string[] }>>;
}

/**
 * Everything the page does that a test must see: every request (of the page and any worker it
 * starts), the CSP violations the browser reports, and console errors and warnings.
 */
async function watch(page: Page) {
  const requests: string[] = [];
  const console: string[] = [];
  page.context().on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") console.push(`${m.type()}: ${m.text()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  return {
    requests,
    console,
    csp: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
  };
}

/** What every test checks last: nothing left the origin, the CSP blocked nothing, the console stayed quiet. */
async function expectSelfContained(page: Page, seen: Awaited<ReturnType<typeof watch>>) {
  const origin = new URL(page.url()).origin;
  expect(seen.requests.length).toBeGreaterThan(0);
  expect(seen.requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
  expect(await seen.csp()).toEqual([]);
  expect(seen.console).toEqual([]);
}

/**
 * Scalar renders in the browser, after its 4.8 MB bundle has loaded and parsed: on a busy
 * two-core machine that took up to 16 s, so its first rendering gets a longer wait.
 */
const RENDERED = { timeout: 30_000 };
test.slow();

// Public, like the document: none of these tests signs in.
test.describe("API reference", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("renders the served document: every tag and operation, from this origin only, under the CSP", async ({
    page,
  }) => {
    const seen = await watch(page);
    const documentResponse = page.waitForResponse((r) => r.url().endsWith("/api/v1/openapi.json"));
    const bundleResponse = page.waitForResponse((r) => new URL(r.url()).pathname === "/api-reference/standalone.js");
    const response = await page.goto("/api-reference");
    expect(response?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);

    // The page renders the document the server serves, not a copy of its own.
    const served = (await (await documentResponse).json()) as ServedDocument;
    const bundle = await bundleResponse;
    expect(bundle.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");

    await expect(page.getByRole("heading", { level: 1, name: served.info.title })).toBeVisible(RENDERED);
    // Operations render as they scroll into view; the intro is long, so go to the first one.
    await page
      .getByRole("complementary")
      .getByRole("link", { name: /^Send a tapback HTTP Method/ })
      .click();
    await expect(page.getByRole("heading", { level: 3, name: "Send a tapback", exact: true })).toBeVisible();

    // The sidebar lists every tag, and under it (once opened) every operation by its summary.
    // The content renders operations as they scroll into view, so the sidebar is where all show.
    const sidebar = page.getByRole("complementary");
    const operations = Object.values(served.paths).flatMap((methods) => Object.values(methods));
    for (const [i, { name }] of served.tags.entries()) {
      await expect(sidebar.getByRole("link", { name, exact: true })).toBeVisible();
      // The first tag starts open.
      if (i > 0) await sidebar.getByRole("button", { name: `Open Group - ${name}` }).click();
      for (const operation of operations.filter((o) => o.tags.includes(name))) {
        const label = new RegExp(`^${operation.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} HTTP Method`);
        await expect(sidebar.getByRole("link", { name: label })).toBeVisible();
      }
    }

    await expectSelfContained(page, seen);
  });

  test("links back to the dashboard, with the title right under the bar", async ({ page }) => {
    await page.goto("/api-reference");
    const back = page.getByRole("link", { name: "Back to the Tapdesk dashboard" });
    await expect(back).toHaveAttribute("href", "/conversations");
    const title = page.getByRole("heading", { level: 1, name: "Tapdesk API" });
    await expect(title).toBeVisible(RENDERED);
    const bar = (await back.boundingBox())!;
    const heading = (await title.boundingBox())!;
    // The renderer's own 90 px of empty space above the title is gone.
    expect(heading.y - (bar.y + bar.height)).toBeLessThan(80);
    await back.click();
    // Signed out, the dashboard asks to sign in first.
    await expect(page).toHaveURL(/\/login/);
  });

  test("Test Request sends an authenticated request to this server and shows the answer", async ({
    page,
    conversation,
  }) => {
    const seen = await watch(page);
    await page.goto("/api-reference");
    await page.getByRole("complementary").getByRole("button", { name: "Open Group - Conversations" }).click(RENDERED);
    await page
      .getByRole("complementary")
      .getByRole("link", { name: /^List conversations HTTP Method/ })
      .click();
    await page.getByRole("button", { name: "Test Request (get /conversations)" }).click();

    const client = page.getByRole("dialog");
    await client.getByRole("textbox", { name: "Bearer Token" }).fill(API_KEY);
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/conversations");
    await client.getByRole("button", { name: /^Send get request/ }).click();
    const response = await answered;

    // The document's relative server (/api/v1) is this server; the key travels as the bearer token.
    expect(new URL(response.url()).origin).toBe(new URL(page.url()).origin);
    expect(response.request().headers().authorization).toBe(`Bearer ${API_KEY}`);
    expect(response.status()).toBe(200);
    // The answer holds this test's conversation; the client shows its status and the body it got
    // (its first conversation: other tests running meanwhile may have made newer ones).
    const body = (await response.json()) as { data: { id: string }[] };
    expect(body.data.map((c) => c.id)).toContain(conversation.id);
    await expect(client.getByText("200 OK")).toBeVisible();
    await expect(client.getByText(`"${body.data[0]?.id}"`)).toBeVisible();

    await expectSelfContained(page, seen);
  });
});

test("the dashboard header links to the reference", async ({ page }) => {
  await page.goto("/conversations");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API reference" }).click();
  await expect(page).toHaveURL(/\/api-reference$/);
  await expect(page.getByRole("heading", { level: 1, name: "Tapdesk API" })).toBeVisible(RENDERED);
});
