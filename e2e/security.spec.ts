import type { Page, Response } from "@playwright/test";
import { expect, test } from "./fixtures";
import { FIXED_PAGES, type PageUnderTest, settingsPages } from "./pages-under-test";
import { API_KEY, BASE_URL } from "./settings";

function expectSecurityHeaders(response: Response | null, what: string) {
  expect(response, what).not.toBeNull();
  const headers = response!.headers();
  expect(headers["content-security-policy"], what).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBeTruthy();
}

/** Opens the page, recording CSP violations the browser reports, and checks the page's own headers. */
async function check(page: Page, api: Parameters<PageUnderTest["open"]>[1], target: PageUnderTest) {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const documents: Response[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(r);
  });
  await target.open(page, api);
  expect(documents.length, target.name).toBeGreaterThan(0);
  for (const doc of documents) expectSecurityHeaders(doc, `${target.name}: ${doc.url()}`);
  // Scripts carry the nonce: nothing was blocked, and the page is interactive (open() used it).
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), target.name).toEqual([]);
}

for (const target of FIXED_PAGES) {
  test.describe(target.name, () => {
    if (target.signedOut) test.use({ storageState: { cookies: [], origins: [] } });
    test(`${target.name}: security headers, and the CSP blocks nothing of the app`, async ({ page, api }) => {
      await check(page, api, target);
    });
  });
}

test("every settings page: security headers, and the CSP blocks nothing of the app", async ({ page, api }) => {
  for (const target of await settingsPages(page)) await check(page, api, target);
});

test("API answers carry the headers too, with a CSP that allows nothing", async ({ request }) => {
  for (const [path, key] of [
    ["/api/v1/conversations", API_KEY],
    ["/api/v1/conversations", "td_wrong"],
    ["/api/v1/openapi.json", null],
    ["/api/v1/no-such-route", API_KEY],
  ] as const) {
    const response = await request.get(path, { headers: key ? { Authorization: `Bearer ${key}` } : {} });
    const headers = response.headers();
    expect(headers["content-security-policy"], path).toContain("default-src 'none'");
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["x-request-id"], path).toMatch(/^[0-9a-f-]{36}$/);
    if (response.status() >= 400) {
      // The problem names the request, so an operator can find its log line.
      expect((await response.json()).instance, path).toBe(headers["x-request-id"]);
    }
  }
});

test.describe("framing", () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  test("another site cannot frame the dashboard", async ({ page }) => {
    await page.setContent(`<iframe id="f" src="${BASE_URL}/login" width="600" height="400"></iframe>`);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    await expect.poll(() => frame?.url()).toMatch(/^chrome-error:|^about:blank/);
    expect(await page.frameLocator("#f").getByRole("button", { name: "Sign in" }).count()).toBe(0);
  });
});

test.describe("sign-in throttling", () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  test("after 5 wrong passwords the page says when to try again", async ({ page }) => {
    // An account of its own (unknown accounts are throttled alike), so the suite's operator stays usable.
    const email = `nobody-${Date.now()}@e2e.tapdesk.test`;
    await page.goto("/login");
    const attempt = async (password: string) => {
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      const answered = page.waitForResponse((r) => r.request().method() === "POST");
      await page.getByRole("button", { name: "Sign in" }).click();
      await answered;
      // The previous attempt's alert says the same words, so wait for this attempt's own form
      // reset: filling before it lands would have the reset wipe the next password.
      await expect(page.getByLabel("Password")).toHaveValue("");
    };
    for (let i = 0; i < 5; i++) {
      await attempt(`wrong-${i}`);
      await expect(page.getByRole("alert").filter({ hasText: /match an operator/ })).toBeVisible();
    }
    await expect(
      page.getByRole("alert").filter({ hasText: /Try again in 1 minute \(at \d\d:\d\d UTC\)\./ }),
    ).toBeVisible();
    await attempt("anything");
    await expect(
      page.getByRole("alert").filter({ hasText: /^Too many failed sign-ins\. Try again in (\d+ seconds|1 minute)/ }),
    ).toBeVisible();
  });

  test("a client cannot dodge it by naming its own address: the server sets the address the throttle counts", async ({
    page,
  }) => {
    // scripts/start.mjs replaces whatever the client sends as X-Tapdesk-Client-Address (and,
    // with no trusted proxies, ignores X-Forwarded-For). Were either believed, each attempt
    // below would come from a new address, and failures from many addresses never lock.
    const email = `spoofer-${Date.now()}@e2e.tapdesk.test`;
    await page.goto("/login");
    for (let i = 0; i < 6; i++) {
      const spoofed = `198.51.100.${10 + i}`;
      await page.setExtraHTTPHeaders({ "x-tapdesk-client-address": spoofed, "x-forwarded-for": spoofed });
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(`wrong-${i}`);
      const answered = page.waitForResponse((r) => r.request().method() === "POST");
      await page.getByRole("button", { name: "Sign in" }).click();
      await answered;
      await expect(page.getByLabel("Password")).toHaveValue("");
    }
    await expect(
      page.getByRole("alert").filter({ hasText: /^Too many failed sign-ins\. Try again in (\d+ seconds|1 minute)/ }),
    ).toBeVisible();
  });
});
