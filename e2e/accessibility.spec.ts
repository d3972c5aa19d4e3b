import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { FIXED_PAGES, settingsPages } from "./pages-under-test";

/** WCAG 2.1 A and AA, as axe-core checks them. */
async function violations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ")}`),
  }));
}

for (const scheme of ["light", "dark"] as const) {
  test.describe(`${scheme} mode`, () => {
    test.use({ colorScheme: scheme });
    for (const target of FIXED_PAGES) {
      test.describe(target.name, () => {
        if (target.signedOut) test.use({ storageState: { cookies: [], origins: [] } });
        test(`${target.name} (${scheme}): no WCAG 2.1 A/AA violations`, async ({ page, api }) => {
          await target.open(page, api);
          expect(await violations(page)).toEqual([]);
        });
      });
    }
    test(`every settings page (${scheme}): no WCAG 2.1 A/AA violations`, async ({ page, api }) => {
      for (const target of await settingsPages(page)) {
        await target.open(page, api);
        expect(await violations(page), target.name).toEqual([]);
      }
    });
  });
}
