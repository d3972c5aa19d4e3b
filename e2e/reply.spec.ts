import { expect, test } from "./fixtures";
import { LIVE } from "./settings";

test("reply: Enter sends, Shift+Enter is a new line, the lines are one message from the agent", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  await api.sendHumanMessage(conversation.id, ["Can I change my delivery address?"]);
  await thread.goto(conversation.id);
  const box = page.getByRole("textbox", { name: "Message", exact: true });
  await box.fill("Of course.");
  await box.press("Shift+Enter");
  await box.pressSequentially("Reply with the new one.");
  await box.press("Enter");

  await expect(thread.bubble("Of course.\nReply with the new one.")).toBeVisible();
  await expect(box).toHaveValue("");
  // Stored once, as the agent, through the same service as the API.
  await expect
    .poll(async () => {
      const res = await page.request.get(`/api/ui/conversations/${conversation.id}`);
      const view = (await res.json()) as { messages: { direction: string; parts: { text: string }[] }[] };
      return view.messages.filter((m) => m.direction === "outbound").map((m) => m.parts.map((p) => p.text));
    })
    .toEqual([["Of course.\nReply with the new one."]]);
  // The Send button does the same.
  await box.fill("Anything else?");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(thread.bubble("Anything else?")).toBeVisible();
});

test("reply: off with a sentence while the human is disconnected, back when they reconnect", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  await thread.goto(conversation.id);
  const box = page.getByRole("textbox", { name: "Message", exact: true });
  const send = page.getByRole("button", { name: "Send", exact: true });
  await expect(box).toBeEnabled();

  await api.setConnected(conversation.assignmentId, false);
  await expect(box).toBeDisabled(LIVE);
  await expect(send).toBeDisabled();
  await expect(box).toHaveAccessibleDescription(/disconnected.*must reconnect/i);

  await api.setConnected(conversation.assignmentId, true);
  await expect(box).toBeEnabled(LIVE);
  await box.fill("Welcome back!");
  await box.press("Enter");
  await expect(thread.bubble("Welcome back!")).toBeVisible();
});
