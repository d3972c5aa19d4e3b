import { expect, PARTY_PARROT, test } from "./fixtures";
import { LIVE } from "./settings";

// Everything here is done by the human through the sandbox controls while the operator's page
// stays open: each change must arrive by polling, without a reload.

test("the human's tapback, custom emoji, sticker and removals arrive without a reload", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendAgentMessage(conversation.id, ["Your parcel is out for delivery."]);
  await thread.goto(conversation.id);
  await expect(thread.bubble("Your parcel is out for delivery.")).toBeVisible();
  const human = conversation.remoteNumber;
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });

  await api.humanReact(message.id, { operation: "add", type: "love" });
  await expect(thread.badge(`Love by ${human}`)).toBeVisible(LIVE);

  // A custom emoji takes the same slot: it replaces the Love.
  await api.humanReact(message.id, { operation: "add", type: "custom", custom_emoji: "😍" });
  await expect(thread.badge(`😍 by ${human}`)).toBeVisible(LIVE);
  await expect(thread.badge(`Love by ${human}`)).toBeHidden();

  // A sticker sits beside the tapback.
  await api.humanReact(message.id, { operation: "add", type: "sticker", sticker: PARTY_PARROT });
  await expect(thread.badge(`Sticker by ${human}`)).toBeVisible(LIVE);
  await expect(thread.badge(`😍 by ${human}`)).toBeVisible();

  await api.humanReact(message.id, { operation: "remove", type: "custom" });
  await expect(thread.badge(`😍 by ${human}`)).toBeHidden(LIVE);
  await expect(thread.badge(`Sticker by ${human}`)).toBeVisible();

  await api.humanReact(message.id, { operation: "remove", type: "sticker" });
  await expect(thread.badgesBy(human)).toHaveCount(0, LIVE);

  // A new message from the human shows in the thread and in the inbox.
  await api.sendHumanMessage(conversation.id, ["Great, I'll be home all day."]);
  await expect(thread.bubble("Great, I'll be home all day.")).toBeVisible(LIVE);
  await expect(thread.inboxEntry(human)).toContainText("Great, I'll be home all day.", LIVE);

  expect(navigations, "the page was never reloaded").toBe(0);
});
