import type { Locator } from "@playwright/test";
import { expect, PARTY_PARROT, test } from "./fixtures";
import { AGENT_NAME, LIVE } from "./settings";

/** What a newcomer's first hour runs into (issue 23): the console's marks, stillness and placements. */

test("the header marks the current section, and Settings' menu its current page", async ({ page }) => {
  await page.goto("/conversations");
  const main = page.getByRole("navigation", { name: "Main" });
  await expect(main.getByRole("link", { name: "Inbox" })).toHaveAttribute("aria-current", "page");
  await expect(main.getByRole("link", { name: "Settings" })).not.toHaveAttribute("aria-current");

  await main.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings\/agents$/);
  await expect(main.getByRole("link", { name: "Settings" })).toHaveAttribute("aria-current", "page");
  await expect(main.getByRole("link", { name: "Inbox" })).not.toHaveAttribute("aria-current");
  const menu = page.getByRole("navigation", { name: "Settings" });
  const agents = menu.getByRole("link", { name: "Agents" });
  const keys = menu.getByRole("link", { name: "API keys" });
  await expect(agents).toHaveAttribute("aria-current", "page");
  await expect(keys).not.toHaveAttribute("aria-current");
  // Seen, not only announced: the current item has a background the others lack.
  const background = (link: Locator) => link.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await background(agents)).not.toBe(await background(keys));

  await keys.click();
  await expect(keys).toHaveAttribute("aria-current", "page");
  await expect(agents).not.toHaveAttribute("aria-current");
});

test("a tapback arriving on a bubble moves nothing below it (at most 1 px)", async ({ api, conversation, thread }) => {
  const first = await api.sendAgentMessage(conversation.id, ["Your table is booked for 8.", "Terrace or inside?"]);
  const human = await api.sendHumanMessage(conversation.id, ["Terrace please"]);
  await api.sendAgentMessage(conversation.id, ["Done!"]);
  await thread.goto(conversation.id);
  const below = thread.bubble("Done!");
  const top = async () => (await below.boundingBox())!.y;
  const before = await top();

  // On a message's first part, on a later part, and on the message right above.
  await api.humanReact(first.id, { operation: "add", type: "love", part_index: 0 });
  await expect(thread.badge(`Love by ${conversation.remoteNumber}`)).toBeVisible(LIVE);
  expect(Math.abs((await top()) - before)).toBeLessThanOrEqual(1);
  await api.humanReact(first.id, { operation: "add", type: "like", part_index: 1 });
  await expect(thread.badge(`Like by ${conversation.remoteNumber}`)).toBeVisible(LIVE);
  expect(Math.abs((await top()) - before)).toBeLessThanOrEqual(1);
  await api.agentReact(human.id, { operation: "add", type: "laugh" });
  await expect(thread.badge(`Laugh by ${AGENT_NAME}`)).toBeVisible(LIVE);
  expect(Math.abs((await top()) - before)).toBeLessThanOrEqual(1);
});

test("the picker on the first message opens inside the scrolling area, below it when there is no room above", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  await api.sendHumanMessage(conversation.id, ["Hi, first message here"]);
  await thread.goto(conversation.id);
  await thread.openPicker(thread.bubble("Hi, first message here"));
  const area = (await page.getByRole("list", { name: "Messages" }).boundingBox())!;
  const picker = (await thread.picker.boundingBox())!;
  expect(picker.y).toBeGreaterThanOrEqual(area.y);
  expect(picker.y + picker.height).toBeLessThanOrEqual(area.y + area.height);
  const bubble = (await thread.bubble("Hi, first message here").boundingBox())!;
  expect(picker.y).toBeGreaterThan(bubble.y + bubble.height - 1);
});

test("a sticker's tooltip stays level, and gives way to the picker a click through the sticker opens", async ({
  api,
  conversation,
  page,
  thread,
}) => {
  const message = await api.sendAgentMessage(conversation.id, ["Here is your tracking link."]);
  await api.humanReact(message.id, {
    operation: "add",
    type: "sticker",
    sticker: { ...PARTY_PARROT, width: 96, height: 96 },
  });
  await thread.goto(conversation.id);
  const sticker = thread.badge(`Sticker by ${conversation.remoteNumber}`);
  await expect(sticker).toBeVisible();
  const s = (await sticker.boundingBox())!;
  await page.mouse.move(s.x + s.width / 2, s.y + s.height / 2);
  const tooltip = sticker.getByRole("tooltip");
  await expect(tooltip).toBeVisible();
  // No rotation anywhere between the tooltip and the page: its text reads level.
  const tilted = await tooltip.evaluate((el) => {
    for (let at: Element | null = el; at; at = at.parentElement) {
      const t = getComputedStyle(at).transform;
      if (t !== "none") {
        const [a, b] = t
          .slice(t.indexOf("(") + 1)
          .split(",")
          .map(Number);
        if (Math.abs(b!) > 1e-6 || a! < 0) return t;
      }
    }
    return null;
  });
  expect(tilted).toBeNull();

  await page.mouse.click(s.x + s.width / 2, s.y + s.height / 2);
  await expect(thread.picker).toBeVisible();
  await expect(tooltip).toBeHidden();
});

test("Add an agent: hints that do not look like an agent, labels apart from their inputs, switches level with their row", async ({
  page,
}) => {
  await page.goto("/settings/agents");
  const name = page.locator("#agent-name");
  const handle = page.locator("#agent-handle");
  const rows = page.getByRole("row");
  const existing = (await rows.nth(1).getByRole("cell").allTextContents()).map((t) => t.trim());
  for (const input of [name, handle]) {
    const hint = (await input.getAttribute("placeholder")) ?? "";
    for (const value of existing.filter(Boolean)) expect(hint).not.toContain(value);
  }
  const label = (await page.locator('label[for="agent-name"]').boundingBox())!;
  const box = (await name.boundingBox())!;
  expect(box.y - (label.y + label.height)).toBeGreaterThanOrEqual(3);

  const row = rows.filter({ hasText: AGENT_NAME }).first();
  const text = (await row.getByRole("cell").first().boundingBox())!;
  const toggle = (await row.getByRole("switch").first().boundingBox())!;
  const centre = (b: { y: number; height: number }) => b.y + b.height / 2;
  expect(Math.abs(centre(toggle) - centre(text))).toBeLessThanOrEqual(2);
});
