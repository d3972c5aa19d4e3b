import { expect, test } from "./fixtures";
import { AGENT_NAME, API_KEY, LIVE } from "./settings";

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

test("while the upstream holds, a new message stays queued and takes no tapback until released", async ({
  api,
  conversation,
  thread,
}) => {
  await thread.goto(conversation.id);
  await api.setUpstream("hold");
  const message = await api.sendAgentMessage(conversation.id, ["Your refund is on its way."]);
  expect(message.status).toBe("queued");
  const bubble = thread.bubble("Your refund is on its way.");
  await expect(bubble).toBeVisible(LIVE);
  await expect(bubble).toHaveAccessibleDescription(/Queued/);

  await thread.pick(bubble, "Like");
  const alert = thread.alert(/Like/);
  await expect(alert).toContainText(/queued/i);
  await expect(alert.getByRole("button", { name: "Retry" })).toHaveCount(0);
  await expect(thread.badge(`Like by ${AGENT_NAME}`)).toBeHidden();
  expect(await api.reactions(message.id)).toEqual([]);

  // Back to ok: the held message goes out, and the view learns it by polling.
  await api.setUpstream("ok");
  await expect(bubble).toHaveAccessibleDescription(/Delivered/, LIVE);
  await thread.pick(bubble, "Like");
  await expect(thread.badge(`Like by ${AGENT_NAME}`)).toBeVisible();
  await expect.poll(() => api.reactions(message.id)).toMatchObject([{ reaction: "like", sequence: 1 }]);
});

test("a reply the upstream refuses rolls back with a sentence, and Retry sends it", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  await thread.goto(conversation.id);
  const box = page.getByRole("textbox", { name: "Message", exact: true });
  await api.setUpstream("fail");
  await box.fill("Your parcel left the depot.");
  await box.press("Enter");

  const alert = thread.alert(/not sent/i);
  await expect(alert).toBeVisible();
  await expect(alert).not.toContainText("upstream_delivery_failed");
  // The optimistic bubble is gone, and nothing was stored.
  await expect(thread.bubble("Your parcel left the depot.")).toBeHidden();
  const stored = async () => {
    const res = await page.request.get(`/api/v1/conversations/${conversation.id}/messages`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    return ((await res.json()) as { data: unknown[] }).data.length;
  };
  expect(await stored()).toBe(0);

  await api.setUpstream("ok");
  await alert.getByRole("button", { name: "Retry", exact: true }).click();
  await expect(thread.bubble("Your parcel left the depot.")).toBeVisible();
  await expect(alert).toBeHidden();
  expect(await stored()).toBe(1);
});
