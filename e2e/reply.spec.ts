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

test("reply: the sent message takes its Sending… bubble's place at once, never beside it (issue 16, finding 5)", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  await api.sendHumanMessage(conversation.id, ["Has my order shipped?"]);
  await thread.goto(conversation.id);
  // The thread's long-poll is waiting when the reply goes out and wakes with the reply before
  // the send's own answer reaches the page (held here until it has): the refresh after the
  // send must not then wait another 25 s with the ETag the poll already brought.
  await page.route(
    (url) => url.pathname === `/conversations/${conversation.id}`,
    async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      const polled = page.waitForResponse(
        (r) => r.url().includes(`/api/ui/conversations/${conversation.id}?wait=`) && r.status() === 200,
      );
      const response = await route.fetch();
      await polled;
      await route.fulfill({ response });
    },
  );
  await page.waitForRequest((r) => r.url().includes(`/api/ui/conversations/${conversation.id}?wait=25`));
  const box = page.getByRole("textbox", { name: "Message", exact: true });
  await box.fill("Yes, this morning.");
  await box.press("Enter");
  await expect(thread.bubble("Yes, this morning.")).toBeVisible();
  // Well inside the poll's 25 s wait: the pending bubble is gone and the reply shows once.
  await expect(thread.messages.getByText("Sending…")).toHaveCount(0, LIVE);
  await expect(thread.messages.getByText("Yes, this morning.")).toHaveCount(1);
});
