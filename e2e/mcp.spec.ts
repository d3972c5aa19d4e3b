import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { test as base, expect } from "@playwright/test";
import { createTapdeskClient, succeeded } from "../lib/api/client";
import { TapdeskApi } from "./fixtures";
import { API_KEY } from "./settings";

// The official MCP client against `next start` (docs/mcp.md): no browser, the production build's
// /api/mcp through its proxy, over real HTTP, on both servers of the suite.

const test = base.extend<{ api: TapdeskApi; mcp: (key: string) => Promise<Client> }>({
  api: async ({ baseURL }, use, testInfo) => use(new TapdeskApi(baseURL!, testInfo.workerIndex)),
  mcp: async ({ baseURL }, use) => {
    const clients: Client[] = [];
    await use(async (key) => {
      const client = new Client({ name: "tapdesk-e2e", version: "1.0.0" });
      await client.connect(
        new StreamableHTTPClientTransport(new URL("/api/mcp", baseURL), {
          requestInit: { headers: { authorization: `Bearer ${key}` } },
        }),
      );
      clients.push(client);
      return client;
    });
    await Promise.all(clients.map((c) => c.close()));
  },
});

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { text: string }[]).map((c) => c.text).join("\n");
  return { isError: result.isError === true, text, data: result.isError ? undefined : JSON.parse(text) };
}

test("an agent reads, reacts and is woken by the person's tapback through /api/mcp", async ({
  api,
  mcp,
  baseURL,
  request,
}) => {
  const refused = await request.post("/api/mcp", {
    data: { jsonrpc: "2.0", id: 1, method: "tools/list" },
    headers: { accept: "application/json, text/event-stream" },
  });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).code).toBe("unauthorized");
  // The proxy lets /api/mcp through as it does /api/v1, with the same security headers.
  expect(refused.headers()["x-frame-options"]).toBe("DENY");
  expect(refused.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");

  const conversation = await api.createConversation();
  const question = await api.sendHumanMessage(conversation.id, ["Is the store open on Sunday?"]);
  const agent = await mcp(API_KEY);

  const { tools } = await agent.listTools();
  expect(tools.map((t) => t.name)).toEqual(
    expect.arrayContaining(["read_conversation", "send_tapback", "remove_tapback", "wait_for_activity"]),
  );
  expect(tools.find((t) => t.name === "read_conversation")?.annotations?.readOnlyHint).toBe(true);

  const sent = await call(agent, "send_tapback", { message_id: question.id, reaction: "like" });
  expect(sent.isError).toBe(false);
  expect((await api.reactions(question.id)).map((r) => r.reaction)).toEqual(["like"]);
  const thread = await call(agent, "read_conversation", { conversation_id: conversation.id });
  expect(thread.data.data.at(-1).reactions).toEqual([expect.objectContaining({ id: sent.data.id, reaction: "like" })]);

  const wrong = await call(agent, "send_tapback", { message_id: question.id, reaction: "wave" });
  expect(wrong.text).toMatch(/^invalid_reaction: /);
  const unknown = await call(agent, "send_tapback", { message_id: crypto.randomUUID(), reaction: "like" });
  expect(unknown.text).toMatch(/^message_not_found: /);

  const reply = await call(agent, "send_message", {
    conversation_id: conversation.id,
    parts: [{ text: "Yes, 10 to 4." }],
  });
  const start = await call(agent, "wait_for_activity", { conversation_id: conversation.id, timeout_s: 0 });
  const waiting = call(agent, "wait_for_activity", {
    conversation_id: conversation.id,
    timeout_s: 25,
    cursor: start.data.cursor,
  });
  // The tapback lands while the wait is open (a later one would be reported at once all the same).
  await new Promise((resolve) => setTimeout(resolve, 500));
  await api.humanReact(reply.data.id, { operation: "add", type: "love" });
  const woke = await waiting;
  expect(woke.data.timed_out).toBe(false);
  expect(woke.data.reaction_changes).toEqual([
    expect.objectContaining({ message_id: reply.data.id, reaction: "love", action: "add", direction: "inbound" }),
  ]);

  // Another agent's key: the conversation does not exist for it.
  const workspace = createTapdeskClient({ baseUrl: baseURL!, key: API_KEY });
  const agents = await succeeded(workspace.GET("/agents"));
  const other = agents.data.find((a) => a.name !== "Ava")!;
  const created = await succeeded(workspace.POST("/api-keys", { body: { name: "MCP e2e", agent_id: other.id } }));
  const stranger = await mcp(created.key);
  const hidden = await call(stranger, "read_conversation", { conversation_id: conversation.id });
  expect(hidden.text).toMatch(/^conversation_not_found: /);
  const blocked = await call(stranger, "send_tapback", { message_id: question.id, reaction: "dislike" });
  expect(blocked.text).toMatch(/^message_not_found: /);
  expect((await api.reactions(question.id)).map((r) => r.reaction)).toEqual(["like"]);
});
