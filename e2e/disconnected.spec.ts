import { expect, test } from "./fixtures";
import { AGENT_NAME, LIVE } from "./settings";

test("a disconnected human: the tapback is refused in plain words, without Retry, until reconnected", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendAgentMessage(conversation.id, ["See you tomorrow at 10."]);
  await thread.goto(conversation.id);
  const bubble = thread.bubble("See you tomorrow at 10.");
  const badge = thread.badge(`Love by ${AGENT_NAME}`);
  const status = page.getByRole("region", { name: "Conversation" }).getByText("Disconnected", { exact: true });

  await api.setConnected(conversation.assignmentId, false);
  await expect(status).toBeVisible(LIVE);
  await thread.pick(bubble, "Love");
  const alert = thread.alert(/disconnected/i);
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(/reconnect/i);
  // Only an upstream failure is worth retrying as is.
  await expect(alert.getByRole("button", { name: "Retry" })).toHaveCount(0);
  await expect(badge).toBeHidden();
  expect(await api.reactions(message.id)).toEqual([]);

  await api.setConnected(conversation.assignmentId, true);
  await expect(status).toBeHidden(LIVE);
  await thread.pick(bubble, "Love");
  await expect(badge).toBeVisible();
  await expect.poll(() => api.reactions(message.id)).toMatchObject([{ reaction: "love", sequence: 1 }]);
});
