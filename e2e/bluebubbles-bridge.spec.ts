import { type FakeBlueBubbles, startFakeBlueBubbles } from "../tests/helpers/fake-bluebubbles";
import { expect, test } from "./fixtures";
import { LIVE } from "./settings";

// An agent on a BlueBubbles bridge (a fake one that follows the real server's contract, on
// loopback): the operator's click reaches the bridge, the person's tapbacks come back as badges.

let bb: FakeBlueBubbles;
test.beforeAll(async () => {
  bb = await startFakeBlueBubbles({ password: "e2e-bridge-password" });
});
test.afterAll(async () => {
  await bb?.close();
});

test("an operator tapbacks a bridged conversation and the person's tapbacks arrive as badges", async ({
  api,
  page,
  thread,
}) => {
  const suffix = String(Date.now() % 10_000_000).padStart(7, "0");
  const agent = await api.createAgent({ name: `Bea ${suffix}`, handle: `+1555${suffix}` });
  await api.linkBridge(agent.id, { kind: "bluebubbles", url: bb.url, password: "e2e-bridge-password" });

  const remote = `+1444${suffix}`;
  const first = await bb.human.send({ from: remote, parts: [{ text: "Is my order shipped?" }] });
  // The person's first message opens the conversation, through the bridge's webhook.
  let conversation: { id: string } | undefined;
  await expect
    .poll(async () => {
      conversation = (await api.conversations()).find((c) => c.remote_number === remote);
      return conversation !== undefined;
    }, LIVE)
    .toBe(true);
  if (!conversation) throw new Error("unreachable");

  await thread.goto(conversation.id);
  const question = thread.bubble("Is my order shipped?");
  await expect(question).toBeVisible();
  await thread.pick(question, "Love");
  await expect(thread.badge(`Love by Bea ${suffix}`)).toBeVisible();
  const react = await bb.waitForCall((c) => c.path === "/api/v1/message/react");
  expect(react.body).toMatchObject({ selectedMessageGuid: first.guid, reaction: "love", partIndex: 0 });

  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });
  await api.sendAgentMessage(conversation.id, ["Yes, it left this morning."]);
  await expect(thread.bubble("Yes, it left this morning.")).toBeVisible(LIVE);
  const reply = bb.messages().find((m) => m.text === "Yes, it left this morning." && m.isFromMe === true);
  expect(reply).toBeTruthy();

  await bb.human.react({ target: reply!.guid, type: "laugh" });
  await expect(thread.badge(`Laugh by ${remote}`)).toBeVisible(LIVE);
  await bb.human.react({ target: reply!.guid, type: 2006, emoji: "🎉" });
  await expect(thread.badge(`🎉 by ${remote}`)).toBeVisible(LIVE);
  await expect(thread.badge(`Laugh by ${remote}`)).toBeHidden();
  expect(navigations, "the page was never reloaded").toBe(0);
});
