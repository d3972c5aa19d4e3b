import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";

/** A bubble's background as [r, g, b], whatever CSS colour syntax the stylesheet uses. */
async function background(bubble: Locator): Promise<[number, number, number]> {
  return bubble.evaluate((element) => {
    const context = document.createElement("canvas").getContext("2d")!;
    context.fillStyle = getComputedStyle(element).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    const [r, g, b] = context.getImageData(0, 0, 1, 1).data;
    return [r!, g!, b!] as [number, number, number];
  });
}

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error("not rendered");
  return b;
}

test("bubbles: outbound right and blue, inbound left and grey, one bubble per part", async ({
  api,
  conversation,
  thread,
}) => {
  await api.sendHumanMessage(conversation.id, ["Hi, is it in stock?"]);
  const reply = await api.sendAgentMessage(conversation.id, ["Yes!", "Ships today."]);
  expect(reply.parts).toHaveLength(2);

  await thread.goto(conversation.id);
  const inbound = thread.bubble("Hi, is it in stock?");
  const first = thread.bubble("Yes!");
  const second = thread.bubble("Ships today.");

  const list = await box(thread.messages);
  const middle = list.x + list.width / 2;
  const inBox = await box(inbound);
  const firstBox = await box(first);
  const secondBox = await box(second);

  // Inbound hugs the left half, outbound the right half.
  expect(inBox.x + inBox.width).toBeLessThan(middle);
  expect(firstBox.x).toBeGreaterThan(middle);
  expect(secondBox.x).toBeGreaterThan(middle);

  // Each part is its own bubble, the second below the first.
  expect(secondBox.y).toBeGreaterThanOrEqual(firstBox.y + firstBox.height);

  for (const bubble of [first, second]) {
    const [r, g, b] = await background(bubble);
    expect(b, "outbound bubbles are blue").toBeGreaterThan(200);
    expect(b - r, "outbound bubbles are blue").toBeGreaterThan(100);
    expect(b - g, "outbound bubbles are blue").toBeGreaterThan(60);
  }
  const [r, g, b] = await background(inbound);
  expect(Math.max(r, g, b) - Math.min(r, g, b), "inbound bubbles are grey").toBeLessThanOrEqual(16);
  expect(Math.max(r, g, b), "inbound bubbles are grey, not white").toBeLessThan(245);
});
