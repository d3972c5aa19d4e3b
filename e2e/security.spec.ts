import { expect, test } from "./fixtures";
import { API_KEY, BASE_URL } from "./settings";

// The API's headers, framing and sign-in throttling. Every page's own headers and CSP are
// checked where each page is opened once: accessibility.spec.ts.

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
