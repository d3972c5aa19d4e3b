import { expect, test } from "./fixtures";

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

test("on a 390 px phone: the inbox, then the thread with its composer, the sandbox behind a button, no sideways scroll", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  await api.sendHumanMessage(conversation.id, ["Are you open on Sunday?"]);
  await page.goto(`/conversations?q=${encodeURIComponent(conversation.remoteNumber)}`);
  const entry = thread.inboxEntry(conversation.remoteNumber);
  await entry.click();
  await expect(page).toHaveURL(new RegExp(`/conversations/${conversation.id}`));
  await expect(thread.inbox).toBeHidden();
  await expect(thread.bubble("Are you open on Sunday?")).toBeInViewport();
  const box = page.getByRole("textbox", { name: "Message" });
  await expect(box).toBeInViewport();

  const sandbox = page.getByRole("complementary", { name: "Sandbox" });
  await expect(sandbox).toBeHidden();
  await page.getByRole("button", { name: "Sandbox", exact: true }).click();
  await expect(sandbox).toBeVisible();
  await page.getByRole("button", { name: "Close sandbox" }).click();
  await expect(sandbox).toBeHidden();

  await box.fill("Yes, 10 to 4.");
  await page.getByRole("button", { name: "Send" }).tap();
  await expect(thread.bubble("Yes, 10 to 4.")).toBeVisible();

  for (const path of [`/conversations/${conversation.id}`, "/conversations", "/settings/operators"]) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
});

test("dark mode follows the system", async ({ conversation, page, thread }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await thread.goto(conversation.id);
  // As [r, g, b] through a canvas, whatever colour syntax the stylesheet uses (oklch…).
  const [background, text] = await page.evaluate(() => {
    const rgb = (css: string) => {
      const context = document.createElement("canvas").getContext("2d")!;
      context.fillStyle = css;
      context.fillRect(0, 0, 1, 1);
      return [...context.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    };
    const style = getComputedStyle(document.body);
    return [rgb(style.backgroundColor), rgb(style.color)];
  });
  const lightness = (c: number[]) => c.reduce((a, b) => a + b, 0) / c.length;
  expect(lightness(background)).toBeLessThan(40);
  expect(lightness(text)).toBeGreaterThan(200);
});
