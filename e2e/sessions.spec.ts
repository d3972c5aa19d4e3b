import type { Browser, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { LoginPage } from "./pages/login-page";

/**
 * Signing out ends the session on the server (docs/security.md): a copy of the cookie taken
 * before stops working at once. Each test signs out an operator of its own, never the suite's.
 */

function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}@e2e.tapdesk.test`;
}

async function addOperator(page: Page, email: string): Promise<string> {
  await page.goto("/settings/operators");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption("member");
  const password = page.getByRole("textbox", { name: "One-time password" });
  await expect(async () => {
    await page.getByRole("button", { name: "Add operator", exact: true }).click();
    await expect(password).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  return password.inputValue();
}

async function signedIn(browser: Browser, email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, password);
  await expect(page).toHaveURL(/\/conversations$/);
  return page;
}

/** A second browser holding a copy of `page`'s cookies (a stolen or copied cookie). */
async function copyOf(browser: Browser, page: Page): Promise<Page> {
  const context = await browser.newContext({ storageState: await page.context().storageState() });
  return context.newPage();
}

/**
 * The dashboard opened afresh with `page`'s cookies, in a new tab: `page` itself is still on the
 * dashboard, and its own poll may send it to /login at any moment (the session ended), which
 * would interrupt a navigation of it.
 */
async function dashboardIn(page: Page): Promise<Page> {
  const tab = await page.context().newPage();
  await tab.goto("/conversations");
  return tab;
}

test("after Sign out, a copy of the session cookie no longer opens the dashboard", async ({ browser, page }) => {
  const email = uniqueEmail("signout");
  const operator = await signedIn(browser, email, await addOperator(page, email));
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
  const password = await addOperator(page, email);
  const laptop = await signedIn(browser, email, password);
  const phone = await signedIn(browser, email, password);
  await laptop.goto("/settings/account");
  await laptop.getByRole("button", { name: "Sign out everywhere" }).click();
  await expect(laptop).toHaveURL(/\/login$/);
  await expect(await dashboardIn(phone)).toHaveURL(/\/login$/);
  await Promise.all([laptop.context().close(), phone.context().close()]);
});
