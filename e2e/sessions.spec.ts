import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { addOperator, dashboardIn, signedIn, uniqueEmail } from "./pages/operators";

/**
 * Signing out ends the session on the server (docs/security.md): a copy of the cookie taken
 * before stops working at once. Each test signs out an operator of its own, never the suite's.
 */

/** A second browser holding a copy of `page`'s cookies (a stolen or copied cookie). */
async function copyOf(browser: Browser, page: Page): Promise<Page> {
  const context = await browser.newContext({ storageState: await page.context().storageState() });
  return context.newPage();
}

test("after Sign out, a copy of the session cookie no longer opens the dashboard", async ({ browser, page }) => {
  const email = uniqueEmail("signout");
  const operator = await signedIn(browser, email, await addOperator(page, email, "member"));
  const copy = await copyOf(browser, operator);
  await copy.goto("/conversations");
  await expect(copy).toHaveURL(/\/conversations$/);

  await operator.getByRole("button", { name: "Sign out" }).click();
  await expect(operator).toHaveURL(/\/login$/);
  await expect(await dashboardIn(copy)).toHaveURL(/\/login$/);
  await Promise.all([operator.context().close(), copy.context().close()]);
});

test('"Sign out everywhere" on the account page ends the sessions of every browser', async ({ browser, page }) => {
  const email = uniqueEmail("everywhere");
  const password = await addOperator(page, email, "member");
  const laptop = await signedIn(browser, email, password);
  const phone = await signedIn(browser, email, password);
  await laptop.goto("/settings/account");
  await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop).toHaveURL(/\/login$/);
  await expect(await dashboardIn(phone)).toHaveURL(/\/login$/);
  await Promise.all([laptop.context().close(), phone.context().close()]);
});
