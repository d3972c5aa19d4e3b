import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

/** The page's WCAG 2.1 A and AA violations, as axe-core checks them: rule, impact and where, with why. */
export async function wcagViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ")}`),
  }));
}
