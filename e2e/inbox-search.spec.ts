import { expect, test } from "./fixtures";
import { LIVE } from "./settings";

test("inbox: search by number or text, filter by agent and unread, kept in the URL, arrow keys, still live", async ({
  api,
  conversation,
  page,
}) => {
  const word = `zebra${Date.now().toString(36)}`;
  await api.sendHumanMessage(conversation.id, [`My ${word} arrived broken.`]);
  await page.goto("/conversations");
  const inbox = page.getByRole("navigation", { name: "Inbox" });
  const search = inbox.getByRole("searchbox", { name: "Search conversations" });
  const entries = inbox.getByRole("link");
  const mine = entries.filter({ hasText: conversation.remoteNumber });

  // By number, typed the way people write it.
  const digits = conversation.remoteNumber.slice(-7);
  await search.fill(`${digits.slice(0, 3)} ${digits.slice(3)}`);
  await expect(entries).toHaveCount(1);
  await expect(mine).toBeVisible();
  await expect(page).toHaveURL(/[?&]q=/);

  // A link opens the same view.
  await page.reload();
  await expect(search).toHaveValue(`${digits.slice(0, 3)} ${digits.slice(3)}`);
  await expect(entries).toHaveCount(1);

  // By message text; the agent filter narrows it; "Unread only" keeps it (the human wrote last).
  await search.fill(word);
  await expect(entries).toHaveCount(1);
  await inbox.getByLabel("Agent").selectOption({ label: "Rex" });
  await expect(entries).toHaveCount(0);
  await expect(inbox.getByText("No conversations match.")).toBeVisible();
  await inbox.getByLabel("Agent").selectOption({ label: "Ava" });
  await inbox.getByRole("checkbox", { name: "Unread only" }).check();
  await expect(mine).toBeVisible();
  await expect(page).toHaveURL(/unread=1/);

  // Keyboard: from the searchbox, ArrowDown reaches the result; Enter opens it.
  await search.focus();
  await page.keyboard.press("ArrowDown");
  await expect(mine).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/conversations/${conversation.id}\\?`));
  await expect(page.getByRole("heading", { name: conversation.remoteNumber })).toBeVisible();

  // Still live: a new conversation that matches the search appears without a reload.
  await page.goto(`/conversations?q=${word}`);
  await expect(entries).toHaveCount(1);
  const newcomer = await api.createConversation();
  await api.sendHumanMessage(newcomer.id, [`Another ${word} here.`]);
  await expect(entries.filter({ hasText: newcomer.remoteNumber })).toBeVisible(LIVE);
  await expect(entries).toHaveCount(2);
});
