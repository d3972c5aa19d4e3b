import { createTapdeskClient, succeeded } from "../lib/api/client";
import { wcagViolations } from "./axe";
import { expect, test } from "./fixtures";
import { API_KEY } from "./settings";

/**
 * SPEC §9 in the dashboard: the Feedback page of a fresh agent draws its chart, lists the 👎
 * message in the review queue (which opens the thread scrolled to it and highlighted), offers
 * the NDJSON export, and is WCAG 2.1 AA clean in light and dark mode at a phone's width.
 */

let runs = 0;

async function agentWithFeedback(baseURL: string, workerIndex: number) {
  const client = createTapdeskClient({ baseUrl: baseURL, key: API_KEY });
  runs += 1;
  const suffix = `${workerIndex}${runs}${Math.floor(Math.random() * 10_000)}`.slice(-6).padStart(6, "0");
  const agent = await succeeded(
    client.POST("/agents", { body: { name: `Probe ${suffix}`, handle: `probe-${suffix}@agents.example.com` } }),
  );
  const conversation = await succeeded(
    client.POST("/sandbox/conversations", { body: { remote_number: `+1555${suffix}9`, agent_id: agent.id } }),
  );
  const send = async (human: string, answer: string, trace: string) => {
    await succeeded(
      client.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversation.conversation_id } },
        body: { parts: [{ text: human }] },
      }),
    );
    return succeeded(
      client.POST("/conversations/{id}/messages", {
        params: { path: { id: conversation.conversation_id } },
        body: { parts: [{ text: answer }], trace_id: trace, metadata: { prompt: "v3" } },
      }),
    );
  };
  const react = (id: string, type: "love" | "dislike") =>
    succeeded(
      client.POST("/sandbox/messages/{id}/reactions", { params: { path: { id } }, body: { operation: "add", type } }),
    );
  const loved = await send("Can I book for two?", "Booked for two at eight.", "trace-loved");
  await react(loved.id, "love");
  const disliked = await send("Is parking free?", "Parking costs 40 dollars an hour.", "trace-disliked");
  await react(disliked.id, "dislike");
  for (let i = 0; i < 12; i++) await send(`Later question ${i}`, `Later answer ${i}`, `trace-later-${i}`);
  return { agent, conversationId: conversation.conversation_id, disliked };
}

test("the Feedback page charts the reactions, queues the 👎 message and exports NDJSON", async ({
  page,
  baseURL,
}, info) => {
  const { agent, conversationId, disliked } = await agentWithFeedback(baseURL!, info.workerIndex);
  await page.goto("/conversations");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Feedback" }).click();
  await expect(page).toHaveURL(/\/feedback$/);
  await page.getByLabel("Agent").selectOption(agent.id);
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(new RegExp(`agent=${agent.id}`));

  await expect(page.getByTestId("feedback-chart")).toBeVisible();
  await expect(page.getByTestId("feedback-chart").locator("rect")).toHaveCount(2);
  // The chart's table alternative, for screen readers.
  await expect(page.getByRole("table", { name: /Human reactions per day/ })).toHaveCount(1);

  const queue = page.getByRole("list", { name: "Review queue" });
  await expect(queue.getByRole("link")).toHaveCount(1);
  await expect(queue.getByRole("link")).toContainText("Parking costs 40 dollars an hour.");

  const exportLink = page.getByRole("link", { name: "Export" });
  await expect(exportLink).toHaveAttribute("href", new RegExp(`/api/ui/feedback/export\\?agent_id=${agent.id}`));
  const answer = await page.request.get((await exportLink.getAttribute("href"))!);
  expect(answer.headers()["content-type"]).toMatch(/^application\/x-ndjson/);
  const lines = (await answer.text())
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));
  // What is shown: the queue's 👎 and ❓ (one line), not the ❤️.
  expect(lines.map((l) => [l.trace_id, l.label, l.reaction.kind])).toEqual([["trace-disliked", "negative", "dislike"]]);
  expect(lines[0].context.at(-1)).toMatchObject({ direction: "inbound", text: "Is parking free?" });
  const all = await page.request.get(`/api/ui/feedback/export?agent_id=${agent.id}`);
  expect((await all.text()).trimEnd().split("\n")).toHaveLength(2);

  await queue.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/conversations/${conversationId}\\?message=${disliked.id}`));
  const highlighted = page.locator(`#message-${disliked.id}`);
  await expect(highlighted).toHaveAttribute("aria-current", "true");
  await expect(highlighted).toBeInViewport();
});

for (const scheme of ["light", "dark"] as const) {
  test(`the Feedback page at 390 px (${scheme}): usable and no WCAG 2.1 A/AA violations`, async ({
    page,
    baseURL,
  }, info) => {
    test.slow();
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 390, height: 844 });
    const { agent } = await agentWithFeedback(baseURL!, info.workerIndex);
    await page.goto(`/feedback?agent=${agent.id}&queue=all`);
    await expect(page.getByTestId("feedback-chart")).toBeVisible();
    await expect(page.getByRole("list", { name: "Review queue" }).getByRole("link")).toHaveCount(2);
    // Nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await wcagViolations(page)).toEqual([]);
  });
}
