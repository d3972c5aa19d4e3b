import { type Browser, expect, type Page } from "@playwright/test";
import { LoginPage } from "./login-page";

/** An email no other test uses. */
export function uniqueEmail(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}@e2e.tapdesk.test`;
}

/** Settings → Operators: adds an operator and returns the one-time password shown once. */
export async function addOperator(page: Page, email: string, role: "member" | "owner"): Promise<string> {
  await page.goto("/settings/operators");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption(role);
  const password = page.getByRole("textbox", { name: "One-time password" });
  await expect(async () => {
    await page.getByRole("button", { name: "Add operator", exact: true }).click();
    await expect(password).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  return password.inputValue();
}

/** A browser context of its own, signed in as `email` (the owner's session stays in the test's page). */
export async function signedIn(browser: Browser, email: string, password: string, baseURL?: string): Promise<Page> {
  // Left out, the context takes the project's baseURL.
  const context = await browser.newContext({
    storageState: { cookies: [], origins: [] },
    ...(baseURL ? { baseURL } : {}),
  });
  const page = await context.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, password);
  await expect(page).toHaveURL(/\/conversations$/);
  return page;
}

/**
 * The dashboard opened afresh with `page`'s cookies, in a new tab. Use it to see whether a
 * session still works once it was ended elsewhere: `page` itself may still be on the dashboard,
 * and its own polls send it to /login at any moment then, interrupting a navigation of it.
 */
export async function dashboardIn(page: Page): Promise<Page> {
  const tab = await page.context().newPage();
  await tab.goto("/conversations");
  return tab;
}
