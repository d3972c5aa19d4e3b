import { expect, test } from "./fixtures";
import { TAPBACKS, type TapbackName } from "./pages/conversation-page";
import { AGENT_NAME } from "./settings";

const mine = (name: TapbackName) => `${name} by ${AGENT_NAME}`;

test("tapback, replace and remove with the mouse", async ({ api, conversation, thread }) => {
  const message = await api.sendAgentMessage(conversation.id, ["Your table is booked for 8."]);
  await thread.goto(conversation.id);
  const bubble = thread.bubble("Your table is booked for 8.");

  // Nothing is marked on a message without the agent's tapback.
  await thread.openPicker(bubble);
  for (const name of TAPBACKS) await expect(thread.tapback(name)).toHaveAttribute("aria-pressed", "false");
  await thread.tapback("Love").click();
  await expect(thread.picker).toBeHidden();
  await expect(thread.badge(mine("Love"))).toBeVisible();
  await expect.poll(() => api.reactions(message.id)).toMatchObject([{ reaction: "love", sequence: 1 }]);
  const [added] = await api.reactions(message.id);

  // The current one is marked; picking another replaces it in place.
  await thread.openPicker(bubble);
  await expect(thread.tapback("Love")).toHaveAttribute("aria-pressed", "true");
  await expect(thread.tapback("Laugh")).toHaveAttribute("aria-pressed", "false");
  await thread.tapback("Laugh").click();
  await expect(thread.badge(mine("Laugh"))).toBeVisible();
  await expect(thread.badge(mine("Love"))).toBeHidden();
  await expect.poll(() => api.reactions(message.id)).toMatchObject([{ id: added!.id, reaction: "laugh", sequence: 2 }]);

  // Picking the marked one removes it.
  await thread.openPicker(bubble);
  await expect(thread.tapback("Laugh")).toHaveAttribute("aria-pressed", "true");
  await thread.tapback("Laugh").click();
  await expect(thread.badgesBy(AGENT_NAME)).toHaveCount(0);
  await expect.poll(() => api.reactions(message.id)).toEqual([]);
});

test("tapback, replace and remove with the keyboard only", async ({ api, conversation, page, thread }) => {
  await api.sendHumanMessage(conversation.id, ["Can I bring my dog?"]);
  const message = await api.sendAgentMessage(conversation.id, ["Dogs are welcome on the terrace."]);
  await thread.goto(conversation.id);
  const before = thread.bubble("Can I bring my dog?");
  const bubble = thread.bubble("Dogs are welcome on the terrace.");

  // Tab moves from one bubble to its message's details button, then to the next bubble.
  await before.focus();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Message details" }).first()).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(bubble).toBeFocused();

  // Enter opens the picker on the first tapback; arrows move; Enter picks.
  await thread.openPicker(bubble, "Enter");
  await expect(thread.tapback("Love")).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(thread.tapback("Like")).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await expect(thread.tapback("Dislike")).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(thread.tapback("Like")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(thread.picker).toBeHidden();
  await expect(bubble).toBeFocused();
  await expect(thread.badge(mine("Like"))).toBeVisible();
  await expect.poll(() => api.reactions(message.id)).toMatchObject([{ reaction: "like", sequence: 1 }]);
  const [added] = await api.reactions(message.id);

  // Space opens it on the current tapback; the arrows wrap around; Space picks.
  await thread.openPicker(bubble, " ");
  await expect(thread.tapback("Like")).toBeFocused();
  await expect(thread.tapback("Like")).toHaveAttribute("aria-pressed", "true");
  await page.keyboard.press("ArrowLeft");
  await expect(thread.tapback("Love")).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(thread.tapback("Question")).toBeFocused();
  await page.keyboard.press(" ");
  await expect(thread.picker).toBeHidden();
  await expect(thread.badge(mine("Question"))).toBeVisible();
  await expect(thread.badge(mine("Like"))).toBeHidden();
  await expect
    .poll(() => api.reactions(message.id))
    .toMatchObject([{ id: added!.id, reaction: "question", sequence: 2 }]);

  // Escape closes without a change and gives focus back to the bubble.
  await thread.openPicker(bubble, "Enter");
  await expect(thread.tapback("Question")).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Escape");
  await expect(thread.picker).toBeHidden();
  await expect(bubble).toBeFocused();
  await expect(thread.badge(mine("Question"))).toBeVisible();
  expect(await api.reactions(message.id)).toMatchObject([{ id: added!.id, reaction: "question", sequence: 2 }]);

  // Enter on the marked tapback removes it.
  await page.keyboard.press("Enter");
  await expect(thread.picker).toBeVisible();
  await expect(thread.tapback("Question")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(thread.picker).toBeHidden();
  await expect(thread.badgesBy(AGENT_NAME)).toHaveCount(0);
  await expect.poll(() => api.reactions(message.id)).toEqual([]);
});
