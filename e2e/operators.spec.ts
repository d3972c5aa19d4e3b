import { expect, test } from "./fixtures";
import { addOperator, dashboardIn, signedIn, uniqueEmail } from "./pages/operators";

test("an owner adds a member, who signs in and cannot open Settings → API keys", async ({ browser, page }) => {
  const email = uniqueEmail("member");
  const password = await addOperator(page, email, "member");
  await expect(page.getByRole("row").filter({ hasText: email })).toBeVisible();

  const member = await signedIn(browser, email, password);
  await member.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  const settings = member.getByRole("navigation", { name: "Settings" });
  await expect(settings.getByRole("link", { name: "Your account" })).toBeVisible();
  await expect(settings.getByRole("link", { name: "API keys" })).toHaveCount(0);

  const refused = await member.goto("/settings/api-keys");
  expect(refused?.status()).toBe(403);
  await expect(member.getByRole("heading", { name: "Only owners can open this page" })).toBeVisible();
  await expect(member.getByRole("button", { name: "Create key" })).toHaveCount(0);
  await member.context().close();
});

test("a member calling an owner's action is refused in a sentence and nothing changes; removal signs them out", async ({
  api,
  browser,
  page,
}) => {
  const email = uniqueEmail("demoted");
  const password = await addOperator(page, email, "owner");
  const other = await signedIn(browser, email, password);
  await other.goto("/settings/api-keys");
  await expect(other.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();

  // The owner makes them a member while their API keys page is still open.
  await page.getByLabel(`Role of ${email}`).selectOption("member");
  await expect(page.getByLabel(`Role of ${email}`)).toHaveValue("member");
  await expect(page.getByLabel(`Role of ${email}`)).toBeEnabled();

  const keysBefore = await api.apiKeys();
  await other.getByLabel("Name", { exact: true }).fill("should not exist");
  await other.getByRole("button", { name: "Create key" }).click();
  await expect(other.getByRole("alert").filter({ hasText: /Only an owner/ })).toBeVisible();
  expect(await api.apiKeys()).toEqual(keysBefore);

  // Removal ends their session at once: the next page is the sign-in.
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: `Remove ${email}` }).click();
  await expect(page.getByRole("row").filter({ hasText: email })).toHaveCount(0);
  await expect(await dashboardIn(other)).toHaveURL(/\/login$/);
  await other.context().close();
});
