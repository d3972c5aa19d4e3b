import type { Page } from "@playwright/test";
import { type Receiver, startReceiver } from "../tests/helpers/webhook-receiver";
import { expect, test } from "./fixtures";
import { ConversationPage } from "./pages/conversation-page";
import { addOperator, signedIn, uniqueEmail } from "./pages/operators";
import { AGENT_NAME, API_KEY, LIVE } from "./settings";

// The console operators live in (SPEC §11, docs/dashboard.md): two operators — the suite's owner
// in the test's page and a member in a browser context of their own — on one thread: keyboard
// tapbacks, presence, take over with its 409s and webhooks, and unread kept per operator.

/** The API as the agent calls it, answers unchecked: the 409s are the point. */
async function agentCall(page: Page, path: string, data: unknown) {
  const response = await page.request.post(`/api/v1${path}`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
    data,
  });
  return { status: response.status(), body: await response.json().catch(() => null) };
}

test("two operators: keyboard tapbacks, presence, take over with 409s and webhooks, unread per operator", async ({
  page,
  browser,
  api,
  conversation,
}) => {
  test.setTimeout(150_000);
  const receiver: Receiver = await startReceiver();
  const created = await page.request.post("/api/v1/webhook-endpoints", {
    headers: { Authorization: `Bearer ${API_KEY}` },
    data: { url: receiver.url, events: ["conversation.taken_over", "conversation.handed_back"] },
  });
  expect(created.status()).toBe(201);
  const endpoint = await created.json();
  receiver.secrets = [endpoint.secret];
  const events = (type: string) =>
    receiver.received.filter((r) => r.json.type === type && r.json.data.conversation_id === conversation.id);

  const email = uniqueEmail("console");
  const password = await addOperator(page, email, "member");
  const human = await api.sendHumanMessage(conversation.id, ["Can someone help me?"]);
  const member = await signedIn(browser, email, password);
  try {
    // The owner reads the thread: it stays unread for the member.
    const owner = new ConversationPage(page);
    await owner.goto(conversation.id);
    const memberThread = new ConversationPage(member);
    await expect(memberThread.inboxEntry(conversation.remoteNumber)).toContainText("(unread)");
    await expect(owner.inboxEntry(conversation.remoteNumber)).not.toContainText("(unread)");

    // Presence: the owner sees the member open the thread.
    await memberThread.goto(conversation.id);
    await expect(page.getByText(`${email} is viewing`)).toBeVisible(LIVE);

    // j then 2 puts the agent's Like on the message, 2 again takes it away.
    const like = memberThread.badge(`Like by ${AGENT_NAME}`);
    await expect(async () => {
      await member.keyboard.press("j");
      await expect(memberThread.bubble("Can someone help me?")).toBeFocused({ timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await member.keyboard.press("2");
    await expect(like).toBeVisible();
    await expect(member.getByTestId("thread-announcer")).toContainText("Like added");
    await expect.poll(async () => (await api.reactions(human.id)).map((r) => r.reaction)).toEqual(["like"]);
    await expect(owner.badge(`Like by ${AGENT_NAME}`)).toBeVisible(LIVE);
    await member.keyboard.press("2");
    await expect(like).toBeHidden();
    await expect.poll(async () => (await api.reactions(human.id)).length).toBe(0);

    // ? lists the shortcuts; Escape closes the list.
    await member.keyboard.press("?");
    const help = member.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect(help).toBeVisible();
    await expect(help.getByRole("row")).toHaveCount(13);
    await member.keyboard.press("Escape");
    await expect(help).toBeHidden();

    // The member writes: the owner sees it; then the member closes the tab and is gone well within 30 s.
    await member.getByRole("textbox", { name: "Message", exact: true }).fill("I'll take this");
    await member.getByRole("textbox", { name: "Message", exact: true }).press("e");
    await expect(page.getByText(`${email} is writing a reply…`)).toBeVisible(LIVE);
    await member.close();
    const left = Date.now();
    await expect(page.getByText(`${email} is writing a reply…`)).toBeHidden({ timeout: 30_000 });
    await expect(page.getByText(`${email} is viewing`)).toBeHidden();
    expect(Date.now() - left).toBeLessThan(30_000);

    // Take over: the agent's tapback and message answer 409 naming the owner, and the webhook arrives.
    await page.getByRole("button", { name: "Take over", exact: true }).click();
    await expect(page.getByText(/Taken over by you since/)).toBeVisible();
    const refused = await agentCall(page, "/reactions", { message_id: human.id, reaction: "love" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: "conversation_taken_over",
      taken_over_by: { email: expect.any(String) },
    });
    const operate = await agentCall(page, `/messages/${human.id}/reactions`, { operation: "add", type: "love" });
    expect(operate.status).toBe(409);
    const message = await agentCall(page, `/conversations/${conversation.id}/messages`, { parts: [{ text: "bot" }] });
    expect(message).toMatchObject({ status: 409, body: { code: "conversation_taken_over" } });
    await expect.poll(() => events("conversation.taken_over").length, LIVE).toBe(1);
    expect(events("conversation.taken_over")[0]!.json.data).toMatchObject({
      conversation_id: conversation.id,
      operator: { email: expect.any(String) },
    });
    // The operator's own tapback still goes out as the agent.
    await owner.pick(owner.bubble("Can someone help me?"), "Love");
    await expect(owner.badge(`Love by ${AGENT_NAME}`)).toBeVisible();
    // The inbox's "Taken over by me".
    await page.getByRole("checkbox", { name: "Taken over by me" }).check();
    await expect(owner.inboxEntry(conversation.remoteNumber)).toBeVisible();
    // Other tests' conversations may be taken over by the same owner meanwhile: every entry is one of theirs.
    await expect(owner.inbox.getByRole("link").filter({ hasNotText: "taken over by you" })).toHaveCount(
      0,
      LIVE, // the filtered list replaces the whole inbox once its own answer arrives
    );

    // Hand back: the agent's tapback answers 201 again, and conversation.handed_back arrives.
    await page.getByRole("button", { name: "Hand back", exact: true }).click();
    await expect(page.getByRole("button", { name: "Take over", exact: true })).toBeVisible();
    const back = await agentCall(page, "/reactions", { message_id: human.id, reaction: "like" });
    expect(back.status).toBe(201);
    await expect.poll(() => events("conversation.handed_back").length, LIVE).toBe(1);
    await expect(owner.inboxEntry(conversation.remoteNumber)).toBeHidden(LIVE);
    // The audit trail, in the thread.
    await expect(owner.messages.getByText(/You took over from/)).toBeVisible();
    await expect(owner.messages.getByText(/You handed back to/)).toBeVisible();
  } finally {
    await member.context().close();
    await page.request.delete(`/api/v1/webhook-endpoints/${endpoint.id}`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    await receiver.close();
  }
});

test("r, / and Escape; every shortcut has a visible equivalent; no shortcut fires while typing", async ({
  page,
  api,
  conversation,
  thread,
}) => {
  await api.sendHumanMessage(conversation.id, ["First"]);
  const second = await api.sendHumanMessage(conversation.id, ["Second"]);
  await thread.goto(conversation.id);
  const reply = page.getByRole("textbox", { name: "Message", exact: true });
  await expect(async () => {
    await page.keyboard.press("r");
    await expect(reply).toBeFocused({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  // Typing digits and letters in the reply writes them; it sends no tapback.
  await page.keyboard.type("2jk?");
  await expect(reply).toHaveValue("2jk?");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  // Escape leaves the reply for the newest message; k moves up, ↓ back down.
  await page.keyboard.press("Escape");
  await expect(thread.bubble("Second")).toBeFocused();
  await page.keyboard.press("k");
  await expect(thread.bubble("First")).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(thread.bubble("Second")).toBeFocused();
  await page.keyboard.press("6");
  await expect(thread.badge(`Question by ${AGENT_NAME}`)).toBeVisible();
  await expect.poll(async () => (await api.reactions(second.id)).map((r) => r.reaction)).toEqual(["question"]);
  // The picker shows the same tapback as pressed: the visible equivalent of the digit keys.
  await thread.openPicker(thread.bubble("Second"));
  await expect(thread.tapback("Question")).toHaveAttribute("aria-pressed", "true");
  await page.keyboard.press("Escape");
  await page.keyboard.press("/");
  await expect(page.getByRole("searchbox", { name: "Search conversations" })).toBeFocused();
  // The Shortcuts button opens the same list as ?.
  await page.getByRole("button", { name: "Shortcuts" }).click();
  await expect(page.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeVisible();
  await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
});

test("an operator who opted in is notified of the human's message and tapback while the tab is hidden", async ({
  browser,
  page,
  api,
  conversation,
}) => {
  test.setTimeout(120_000);
  // A member of their own: the opt-in is per operator, and the suite's owner stays opted out.
  const email = uniqueEmail("notified");
  const password = await addOperator(page, email, "member");
  const member = await signedIn(browser, email, password);
  try {
    // The browser's Notification API, recorded (a headless browser shows nothing), and a tab
    // whose visibility the test decides.
    await member.addInitScript(() => {
      const shown: { title: string; body: string }[] = [];
      let hidden = false;
      Object.defineProperty(document, "hidden", { get: () => hidden });
      // The browser remembers a granted permission across page loads.
      const permission = { value: localStorage.getItem("e2e-notification-permission") ?? "default" };
      Object.assign(window, {
        __shown: shown,
        __hide: (value: boolean) => {
          hidden = value;
          document.dispatchEvent(new Event("visibilitychange"));
        },
        Notification: class {
          static get permission(): string {
            return permission.value;
          }
          static async requestPermission(): Promise<string> {
            permission.value = "granted";
            localStorage.setItem("e2e-notification-permission", "granted");
            return "granted";
          }
          onclick: (() => void) | null = null;
          constructor(title: string, options: { body: string }) {
            shown.push({ title, body: options.body });
          }
          close() {}
        },
      });
    });
    await member.goto("/settings/account");
    const optIn = member.getByRole("switch", { name: "Notify me in this browser" });
    await expect(async () => {
      if ((await optIn.getAttribute("aria-checked")) !== "true") await optIn.click();
      await expect(optIn).toHaveAttribute("aria-checked", "true", { timeout: 2_000 });
    }).toPass({ timeout: 15_000 });

    const message = await api.sendHumanMessage(conversation.id, ["Hi, anyone?"]);
    await new ConversationPage(member).goto(conversation.id);
    await member.getByRole("button", { name: "Take over", exact: true }).click();
    await expect(member.getByText(/Taken over by you since/)).toBeVisible();
    const shown = () => member.evaluate(() => (window as unknown as { __shown: unknown[] }).__shown);

    // In view: nothing pops up (the page shows it already). The thread's poll may show it before
    // the notification watcher's own poll hears of it: the tab is hidden only once it has.
    const heard = member.waitForResponse(
      async (r) => r.url().includes("/api/ui/notifications") && (await r.text()).includes("Seen in the page"),
      LIVE,
    );
    await api.sendHumanMessage(conversation.id, ["Seen in the page"]);
    await expect(new ConversationPage(member).bubble("Seen in the page")).toBeVisible(LIVE);
    await heard;
    // Hidden: the human's message and tapback come up as notifications.
    await member.evaluate(() => (window as unknown as { __hide: (v: boolean) => void }).__hide(true));
    await api.sendHumanMessage(conversation.id, ["Are you still there?"]);
    await api.humanReact(message.id, { operation: "add", type: "love" });
    await expect.poll(shown, LIVE).toEqual([
      { title: `${conversation.remoteNumber} wrote`, body: "Are you still there?" },
      { title: `${conversation.remoteNumber} reacted`, body: "Reacted with Love" },
    ]);
    await member.evaluate(() => (window as unknown as { __hide: (v: boolean) => void }).__hide(false));
    await member.getByRole("button", { name: "Hand back", exact: true }).click();
    await expect(member.getByRole("button", { name: "Take over", exact: true })).toBeVisible();
  } finally {
    await member.context().close();
  }
});
