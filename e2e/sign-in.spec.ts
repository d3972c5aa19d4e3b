import { expect, test } from "./fixtures";
import { ConversationPage } from "./pages/conversation-page";
import { LoginPage } from "./pages/login-page";
import { OPERATOR } from "./settings";

// The demo workspace's conversations (lib/seed.ts), as the inbox lists them.
const DEMO_NUMBERS = ["+14155550123", "+14155550177", "+447700900123", "+14155550999"];

test.describe("signing in", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("a signed-out visitor is sent to /login", async ({ page }) => {
    await page.goto("/conversations");
    await expect(page).toHaveURL(/\/login$/);
    await expect(new LoginPage(page).submit).toBeVisible();
  });

  test("a wrong password is refused with a clear message", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto();
    await login.signIn(OPERATOR.email, "not-the-password");
    await expect(login.error(/email and password/i)).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);
    // Still signed out: the inbox is not reachable.
    await page.goto("/conversations");
    await expect(page).toHaveURL(/\/login$/);
  });

  test("the right password opens the inbox with the demo conversations", async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto();
    await login.signIn(OPERATOR.email, OPERATOR.password);
    await expect(page).toHaveURL(/\/conversations$/);

    const thread = new ConversationPage(page);
    for (const number of DEMO_NUMBERS) await expect(thread.inboxEntry(number)).toBeVisible();

    // One click opens the thread, with the demo's reactions of both directions as badges.
    await thread.inboxEntry("+14155550123").click();
    await expect(page).toHaveURL(/\/conversations\/[0-9a-f-]{36}$/);
    await expect(thread.bubble("Good news: it shipped this morning.")).toBeVisible();
    await expect(thread.badge("Love by +14155550123")).toBeVisible();
    await expect(thread.badge("🎉 by +14155550123")).toBeVisible();
    await expect(thread.badge("Love by Ava")).toBeVisible();
    await expect(thread.badge("Sticker by +14155550123")).toBeVisible();
  });
});
