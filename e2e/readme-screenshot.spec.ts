import path from "node:path";
import { expect, test } from "./fixtures";
import { ConversationPage } from "./pages/conversation-page";

/**
 * The README's picture (docs/conversation.png) is taken here, from the demo workspace on the
 * production build, every time the browser suite runs: it shows the console as it is, never as
 * it was. Its own project (playwright.config.ts) runs it first, on the embedded-database server,
 * while the inbox holds the demo's conversations alone.
 */
test.use({ viewport: { width: 1360, height: 760 }, colorScheme: "light" });

test("docs/conversation.png: the demo conversation with live badges, the picker and the sandbox panel", async ({
  page,
}) => {
  await page.goto("/conversations");
  const thread = new ConversationPage(page);
  await thread.inboxEntry("+14155550177").click();
  const bubble = thread.bubble("Seriously? That fast?");
  await expect(bubble).toBeVisible();
  await expect(thread.badge("Laugh by Ava")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Sandbox: play the human" })).toBeVisible();
  await thread.openPicker(bubble);
  // The pointer rests outside the thread, so no hover state is in the picture.
  await page.mouse.move(1350, 750);
  await page.screenshot({ path: path.join(import.meta.dirname, "..", "docs", "conversation.png") });
});
