import { expect, PARTY_PARROT, test } from "./fixtures";
import { AGENT_NAME } from "./settings";

test("a sticker over a bubble never stops a click: the bubble under it is tapbacked, and the sticker still says who", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendAgentMessage(conversation.id, ["Here is your tracking link."]);
  await api.humanReact(message.id, {
    operation: "add",
    type: "sticker",
    sticker: { ...PARTY_PARROT, width: 160, height: 160 },
  });
  await thread.goto(conversation.id);
  const bubble = thread.bubble("Here is your tracking link.");
  const sticker = thread.badge(`Sticker by ${conversation.remoteNumber}`);
  await expect(sticker).toBeVisible();

  // The sticker covers the middle of the bubble, where a click lands.
  const s = (await sticker.boundingBox())!;
  const b = (await bubble.boundingBox())!;
  const middle = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  expect(middle.x > s.x && middle.x < s.x + s.width && middle.y > s.y && middle.y < s.y + s.height).toBe(true);

  await thread.pick(bubble, "Love");
  await expect(thread.badge(`Love by ${AGENT_NAME}`)).toBeVisible();
  await expect.poll(() => api.reactions(message.id)).toContainEqual(expect.objectContaining({ reaction: "love" }));

  // Hovering the sticker still tells who placed it.
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  await expect(sticker.getByRole("tooltip")).toContainText(`Sticker by ${conversation.remoteNumber}`);
});

test("a sticker whose image fails to load shows a placeholder with its name, not a broken image", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendAgentMessage(conversation.id, ["Order confirmed."]);
  const missing = { ...PARTY_PARROT, file_name: "gone.png", mime_type: "image/png", url: "/stickers/gone.png" };
  await api.humanReact(message.id, { operation: "add", type: "sticker", sticker: missing });
  await thread.goto(conversation.id);
  await expect(thread.badge(`Sticker by ${conversation.remoteNumber}`)).toBeVisible();
  await expect(page.locator('img[src="/stickers/gone.png"]')).toHaveCount(0);
  await expect(thread.badge(`Sticker by ${conversation.remoteNumber}`)).toContainText("Sticker");
});
