import { expect, test } from "./fixtures";
import { AGENT_NAME } from "./settings";

// The upstream mode is workspace-wide: playwright.config.ts runs this file in its own project
// after every other test, and the mode is put back to "ok" whatever happens.
test.afterEach(async ({ api }) => {
  await api.setUpstream("ok");
});

test("an upstream failure rolls the badge back, says why and offers Retry", async ({ api, conversation, thread }) => {
  const message = await api.sendAgentMessage(conversation.id, ["We received your return."]);
  await thread.goto(conversation.id);
  const bubble = thread.bubble("We received your return.");
  const badge = thread.badge(`Love by ${AGENT_NAME}`);

  await api.setUpstream("fail");
  await thread.pick(bubble, "Love");

  const alert = thread.alert(/Love/);
  await expect(alert).toBeVisible();
  // A plain sentence, not an error code.
  await expect(alert).toContainText(/not sent/i);
  await expect(alert).not.toContainText("upstream_delivery_failed");
  await expect(badge).toBeHidden();
  const retry = alert.getByRole("button", { name: "Retry", exact: true });
  await expect(retry).toBeVisible();
  // Nothing changed on the server.
  expect(await api.reactions(message.id)).toEqual([]);

  await api.setUpstream("ok");
  await retry.click();
  await expect(alert).toBeHidden();
  await expect(badge).toBeVisible();
  // The failed attempt used no sequence number: this is the slot's first change.
  await expect.poll(() => api.reactions(message.id)).toMatchObject([{ reaction: "love", sequence: 1 }]);
});
