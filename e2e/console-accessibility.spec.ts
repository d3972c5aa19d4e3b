import { wcagViolations as violations } from "./axe";
import { expect, test } from "./fixtures";
import { ConversationPage } from "./pages/conversation-page";
import { addOperator, signedIn, uniqueEmail } from "./pages/operators";
import { LIVE } from "./settings";

// The console's take-over state laid out for everyone (SPEC §11): WCAG 2.1 A/AA in both schemes,
// usable at 390 px. On the embedded database only: the layout does not depend on the database,
// and console.spec.ts runs presence and take over on both.

for (const scheme of ["light", "dark"] as const) {
  test(`a taken-over thread with someone else viewing (${scheme}): no WCAG 2.1 A/AA violations, usable at 390 px`, async ({
    page,
    browser,
    api,
    conversation,
  }, testInfo) => {
    test.setTimeout(120_000);
    await page.emulateMedia({ colorScheme: scheme });
    await api.sendHumanMessage(conversation.id, ["Are you a bot?"]);
    const email = uniqueEmail("viewer");
    const password = await addOperator(page, email, "member");
    const viewer = await signedIn(browser, email, password);
    try {
      const thread = new ConversationPage(page);
      await thread.goto(conversation.id);
      await page.getByRole("button", { name: "Take over", exact: true }).click();
      await new ConversationPage(viewer).goto(conversation.id);
      await expect(page.getByText(`${email} is viewing`)).toBeVisible(LIVE);
      await expect(page.getByText(/Taken over by you since/)).toBeVisible();
      expect(await violations(page)).toEqual([]);
      await page.getByRole("button", { name: "Shortcuts" }).click();
      expect(await violations(page)).toEqual([]);
      await page.keyboard.press("Escape");

      await page.setViewportSize({ width: 390, height: 844 });
      await expect(page.getByRole("button", { name: "Hand back", exact: true })).toBeInViewport();
      await expect(page.getByRole("button", { name: "Shortcuts" })).toBeInViewport();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await violations(page)).toEqual([]);
      await page.screenshot({ path: testInfo.outputPath(`console-390-${scheme}.png`) });
      await page.getByRole("button", { name: "Hand back", exact: true }).click();
      await expect(page.getByRole("button", { name: "Take over", exact: true })).toBeVisible();
    } finally {
      await viewer.context().close();
    }
  });
}
