import { expect, PARTY_PARROT, test } from "./fixtures";
import { API_KEY } from "./settings";

test("Message details by mouse: who placed each reaction and each slot's history with its sequence", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendHumanMessage(conversation.id, ["Did the refund go through?"]);
  await api.agentReact(message.id, { operation: "add", type: "like" });
  await api.agentReact(message.id, { operation: "add", type: "love" });
  await api.agentReact(message.id, { operation: "remove", type: "love" });
  await api.agentReact(message.id, { operation: "add", type: "question" });
  const reply = await api.sendAgentMessage(conversation.id, ["Yes, this morning."]);
  await api.humanReact(reply.id, { operation: "add", type: "sticker", sticker: PARTY_PARROT });

  // The suite's key, by the name the seed gave it.
  const keyName = (await api.apiKeys()).find((k) => API_KEY.startsWith(k.prefix))!.name;
  const viaKey = `through the API key “${keyName}”`;

  await thread.goto(conversation.id);
  // A message's own details button sits in the list item with its bubbles.
  const itemOf = (text: string) =>
    thread.messages.getByRole("listitem").filter({ has: page.getByRole("button", { name: text, exact: true }) });
  const item = itemOf("Did the refund go through?");
  const opener = item.getByRole("button", { name: "Message details", exact: true });
  const dialog = page.getByRole("dialog", { name: "Message details" });
  await expect(async () => {
    await opener.click();
    await expect(dialog).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });

  await expect(
    dialog.getByRole("listitem").filter({ hasText: new RegExp(`^Question from Ava, placed ${viaKey}`) }),
  ).toBeVisible();
  const history = dialog.getByRole("list").filter({ hasText: "Sequence" });
  await expect(history.getByRole("listitem")).toContainText([
    `Sequence #1 Added Like ${viaKey}`,
    `Sequence #2 Replaced Love (was Like) ${viaKey}`,
    `Sequence #3 Removed Love ${viaKey}`,
    `Sequence #4 Added Question ${viaKey}`,
  ]);
  await dialog.getByRole("button", { name: "Close", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // The human's sticker on the reply, placed by the person.
  await itemOf("Yes, this morning.").getByRole("button", { name: "Message details", exact: true }).click();
  await expect(dialog).toContainText(
    `Sticker from ${conversation.remoteNumber}, placed by the person (${conversation.remoteNumber})`,
  );
  await expect(dialog).toContainText("Sequence #1 Added Sticker by the person");
});

test("Message details by keyboard: Enter opens it with focus inside, Escape closes it and focus returns", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendHumanMessage(conversation.id, ["Where is my parcel?"]);
  await api.humanReact(message.id, { operation: "add", type: "laugh" });
  await thread.goto(conversation.id);
  const opener = thread.messages.getByRole("button", { name: "Message details", exact: true });
  const dialog = page.getByRole("dialog", { name: "Message details" });

  await expect(async () => {
    await opener.focus();
    await page.keyboard.press("Enter");
    await expect(dialog).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  await expect(dialog.getByRole("button", { name: "Close" })).toBeFocused();
  await expect(dialog).toContainText(`Laugh from ${conversation.remoteNumber}, placed by the person`);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();
});
