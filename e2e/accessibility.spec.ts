import type { Page, Response } from "@playwright/test";
import { wcagViolations as violations } from "./axe";
import { expect, test } from "./fixtures";
import { FIXED_PAGES, type PageUnderTest, settingsPages } from "./pages-under-test";

/**
 * Every page, opened once: its security headers, a CSP that blocks nothing of the app, and no
 * WCAG 2.1 A/AA violations in the light and the dark scheme (the scheme is a CSS media query,
 * so it switches in place). The API's headers, framing and throttling are in security.spec.ts.
 */

function expectSecurityHeaders(response: Response, what: string) {
  const headers = response.headers();
  expect(headers["content-security-policy"], what).toContain("frame-ancestors 'none'");
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBeTruthy();
}

/** Records what the CSP blocks, and every document the page loads (call before opening it). */
async function watch(page: Page): Promise<Response[]> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const documents: Response[] = [];
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") documents.push(r);
  });
  return documents;
}

async function check(page: Page, api: Parameters<PageUnderTest["open"]>[1], target: PageUnderTest) {
  const documents = await watch(page);
  await page.emulateMedia({ colorScheme: "light" });
  await target.open(page, api);
  expect(documents.length, target.name).toBeGreaterThan(0);
  for (const doc of documents) expectSecurityHeaders(doc, `${target.name}: ${doc.url()}`);
  // Scripts carry the nonce: nothing was blocked, and the page is interactive (open() used it).
  expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), target.name).toEqual([]);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  let light = "";
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // The page really changes scheme in place (else "dark" would check the light page again).
    // Some switch in script a moment after the media query does (the API reference, Scalar):
    // read it only once it has.
    if (scheme === "dark") await expect.poll(background, { message: target.name }).not.toBe(light);
    // Colors that change with the scheme may be mid-transition: axe would read the blend.
    await page.waitForFunction(() => !document.getAnimations().some((a) => a instanceof CSSTransition));
    if (scheme === "light") light = await background();
    expect(await violations(page), `${target.name} (${scheme})`).toEqual([]);
  }
}

for (const target of FIXED_PAGES) {
  test.describe(target.name, () => {
    if (target.signedOut) test.use({ storageState: { cookies: [], origins: [] } });
    test(`${target.name}: security headers, a CSP that blocks nothing, no WCAG 2.1 A/AA violations (light and dark)`, async ({
      page,
      api,
    }) => {
      await check(page, api, target);
    });
  });
}

test("every settings page: security headers, a CSP that blocks nothing, no WCAG 2.1 A/AA violations (light and dark)", async ({
  page,
  api,
}) => {
  for (const target of await settingsPages(page)) await check(page, api, target);
});
