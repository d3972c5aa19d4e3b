import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { OPERATIONS } from "@/lib/api/operations";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { CLIENT_ADDRESS_HEADER } from "@/lib/auth/throttle";
import { getDatabase } from "@/lib/db/client";
import { waitForActivity } from "@/lib/mcp/activity";
import { OPERATION_TOOLS, operationByName } from "@/lib/mcp/tools";
import * as z from "@/lib/zod";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type HttpApp, serveOverHttp } from "./helpers/http-app";

// The official MCP client over real HTTP against the app's route handlers (docs/mcp.md).

type Era = "legacy" | "auto";

async function connect(app: HttpApp, key: string | null, era: Era = "legacy"): Promise<Client> {
  const client = new Client({ name: "tapdesk-test", version: "1.0.0" }, { versionNegotiation: { mode: era } });
  const transport = new StreamableHTTPClientTransport(new URL(`${app.url}/api/mcp`), {
    ...(key === null ? {} : { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
  });
  await client.connect(transport);
  return client;
}

interface Called {
  isError: boolean;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: each tool answers its operation's JSON.
  data: any;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Called> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text: string }[]).map((c) => c.text).join("\n");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  return { isError: result.isError === true, text, data };
}

const EXPECTED = [
  "list_conversations",
  "read_conversation",
  "send_message",
  "send_tapback",
  "remove_tapback",
  "list_reaction_changes",
  "feedback_summary",
  "wait_for_activity",
];

describe.each(BACKENDS)("MCP at /api/mcp on %s", (backend) => {
  let w: ApiWorld;
  let app: HttpApp;
  let agent: Client;
  let avaKey = "";
  let rexKey = "";
  let conversationId = "";
  let humanMessageId = "";

  beforeAll(async () => {
    w = await apiWorld(backend);
    app = await serveOverHttp();
    avaKey = await extraKey(w, w.ava.id, "Ava's MCP key");
    rexKey = await extraKey(w, w.rex.id, "Rex's MCP key");
    const c = await w.newConversation("ava");
    conversationId = c.conversationId;
    const human = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "Did my parcel ship?" }] },
    });
    humanMessageId = human.data!.id;
    agent = await connect(app, avaKey);
  });
  afterAll(async () => {
    await agent?.close();
    await app?.close();
    await w?.dispose();
  });

  it("refuses a request without a key or with a wrong one, as the API does", async () => {
    await expect(connect(app, null)).rejects.toThrow();
    for (const authorization of [null, "Bearer not-a-key"]) {
      const response = await fetch(`${app.url}/api/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await response.json()).code).toBe("unauthorized");
    }
  });

  it("counts wrong keys with /api/v1's: one lock per address, 429 with Retry-After on both", async () => {
    const address = "192.0.2.44";
    const guessing = await serveOverHttp({ address });
    try {
      const mcpWith = (key: string) =>
        fetch(`${guessing.url}/api/mcp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            authorization: `Bearer ${key}`,
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
      const v1With = (key: string) =>
        w.raw("GET", "/conversations", { key, headers: { [CLIENT_ADDRESS_HEADER]: address } });
      for (let i = 0; i < 10; i++) expect((await v1With(`td_wrong_${i}`)).response.status).toBe(401);
      for (let i = 10; i < 19; i++) expect((await mcpWith(`td_wrong_${i}`)).status).toBe(401);
      const limited = await mcpWith("td_wrong_19");
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(59);
      expect(await limited.json()).toMatchObject({ code: "too_many_requests" });
      expect((await v1With("td_wrong_20")).response.status).toBe(429);
    } finally {
      await guessing.close();
    }
  });

  it("lists the tools of SPEC §10 with the operations' descriptions and annotations", async () => {
    const { tools } = await agent.listTools();
    const landed = EXPECTED.filter((name) => {
      const spec = OPERATION_TOOLS.find((t) => t.name === name);
      return !spec || operationByName(spec.operation);
    });
    expect(tools.map((t) => t.name)).toEqual(landed);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.send_tapback!.inputSchema.required).toEqual(expect.arrayContaining(["message_id", "reaction"]));
    expect(Object.keys(byName.send_tapback!.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(["message_id", "reaction", "custom_emoji", "part_index", "idempotency_key"]),
    );
    expect(byName.read_conversation!.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    expect(byName.list_conversations!.annotations?.readOnlyHint).toBe(true);
    expect(byName.wait_for_activity!.annotations?.readOnlyHint).toBe(true);
    expect(byName.send_message!.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
    expect(byName.send_tapback!.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: true });
    expect(byName.remove_tapback!.annotations).toMatchObject({ destructiveHint: true, idempotentHint: true });
    const sendReaction = operationByName("POST /reactions")!;
    expect(byName.send_tapback!.description).toContain(sendReaction.description);
    expect(byName.send_tapback!.description).toContain("invalid_reaction");
  });

  it("gives every operation tool its operation's request schema: path ids, query and body, nothing else", async () => {
    const { tools } = await agent.listTools();
    for (const spec of OPERATION_TOOLS) {
      const op = operationByName(spec.operation);
      if (!op) continue;
      const listed = tools.find((t) => t.name === spec.name)!.inputSchema as {
        properties: Record<string, unknown>;
        required?: string[];
      };
      const parts = [op.query, op.body].filter((s): s is z.ZodObject => s instanceof z.ZodObject);
      const expected: Record<string, unknown> = {};
      const required = new Set(Object.values(spec.params ?? {}));
      for (const schema of parts) {
        const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
          properties: Record<string, unknown>;
          required?: string[];
        };
        Object.assign(expected, json.properties);
        for (const name of json.required ?? []) required.add(name);
      }
      const own = Object.values(spec.params ?? {}).concat(op.method === "post" ? ["idempotency_key"] : []);
      const fromOperation = Object.fromEntries(Object.entries(listed.properties).filter(([k]) => !own.includes(k)));
      expect(fromOperation, spec.name).toEqual(expected);
      expect(new Set(listed.required ?? []), spec.name).toEqual(required);
      expect(Object.keys(listed.properties).sort(), spec.name).toEqual([...Object.keys(expected), ...own].sort());
    }
    // Every operation named by a tool exists in the one list the routes and the document use.
    for (const spec of OPERATION_TOOLS.filter((t) => t.name !== "feedback_summary")) {
      expect(OPERATIONS).toContain(operationByName(spec.operation));
    }
  });

  it("lists and reads conversations with messages and their live reactions", async () => {
    const list = await call(agent, "list_conversations", {});
    expect(list.isError).toBe(false);
    expect(list.data.data.map((c: { id: string }) => c.id)).toContain(conversationId);
    const read = await call(agent, "read_conversation", { conversation_id: conversationId, limit: 10 });
    expect(read.isError).toBe(false);
    expect(read.data.data.at(-1)).toMatchObject({ id: humanMessageId, direction: "inbound", reactions: [] });
    const bad = await call(agent, "read_conversation", { conversation_id: conversationId, limit: 500 });
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/^validation_failed: /);
    expect(bad.text).toContain("limit");
  });

  it("sends a tapback the API then reads, shows it in read_conversation, and removes it", async () => {
    const sent = await call(agent, "send_tapback", { message_id: humanMessageId, reaction: "love" });
    expect(sent.isError).toBe(false);
    expect(sent.data).toMatchObject({ target_message_id: humanMessageId, reaction: "love", direction: "outbound" });
    const read = await w.api.GET("/reactions/{id}", { params: { path: { id: sent.data.id } } });
    expect(read.data).toMatchObject({ id: sent.data.id, reaction: "love", sequence: sent.data.sequence });

    const again = await call(agent, "send_tapback", { message_id: humanMessageId, reaction: "love" });
    expect(again.data).toEqual(sent.data);

    const thread = await call(agent, "read_conversation", { conversation_id: conversationId });
    const message = thread.data.data.find((m: { id: string }) => m.id === humanMessageId);
    expect(message.reactions).toEqual([expect.objectContaining({ id: sent.data.id, reaction: "love" })]);

    const removed = await call(agent, "remove_tapback", { reaction_id: sent.data.id });
    expect(removed.isError).toBe(false);
    expect((await w.api.GET("/reactions/{id}", { params: { path: { id: sent.data.id } } })).response.status).toBe(404);
    const gone = await call(agent, "remove_tapback", { reaction_id: sent.data.id });
    expect(gone.text).toMatch(/^reaction_not_found: /);

    const changes = await call(agent, "list_reaction_changes", { message_id: humanMessageId });
    expect(changes.data.data.map((c: { action: string }) => c.action)).toEqual(["add", "remove"]);
    expect(changes.data.data[0].actor).toMatchObject({ type: "api_key", name: "Ava's MCP key" });
  });

  it("answers a refusal as a tool error carrying the problem's code and sentence", async () => {
    const wrong = await call(agent, "send_tapback", { message_id: humanMessageId, reaction: "wave" });
    expect(wrong.isError).toBe(true);
    expect(wrong.text).toMatch(/^invalid_reaction: Unknown reaction "wave"/);
    const unknown = await call(agent, "send_tapback", { message_id: crypto.randomUUID(), reaction: "like" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/^message_not_found: /);
    const missing = await call(agent, "send_tapback", { reaction: "like" });
    expect(missing.text).toMatch(/^validation_failed: /);
    expect(missing.text).toContain("message_id");
    const extra = await call(agent, "send_tapback", { message_id: humanMessageId, reaction: "like", colour: "red" });
    expect(extra.text).toMatch(/^validation_failed: [\s\S]*colour: Unknown field/);
    const noId = await call(agent, "read_conversation", {});
    expect(noId.text).toMatch(/^validation_failed: [\s\S]*conversation_id/);
    const sticker = await call(agent, "send_tapback", { message_id: humanMessageId, reaction: "sticker" });
    expect(sticker.text).toMatch(/^reaction_not_sendable: /);
    const noTool = await agent.callTool({ name: "no_such_tool", arguments: {} });
    expect(noTool.isError).toBe(true);
  });

  it("sends a message once per idempotency_key, with the API's semantics", async () => {
    const args = { conversation_id: conversationId, parts: [{ text: "It shipped today." }], idempotency_key: "k-1" };
    const first = await call(agent, "send_message", args);
    expect(first.isError).toBe(false);
    expect(first.data).toMatchObject({ direction: "outbound", parts: [{ text: "It shipped today." }] });
    // The same arguments in another order are the same request.
    const replay = await call(agent, "send_message", {
      idempotency_key: "k-1",
      parts: [{ text: "It shipped today." }],
      conversation_id: conversationId,
    });
    expect(replay.data).toEqual(first.data);
    const reused = await call(agent, "send_message", { ...args, parts: [{ text: "Something else" }] });
    expect(reused.isError).toBe(true);
    expect(reused.text).toMatch(/^idempotency_key_reused: /);
    const thread = await w.api.GET("/conversations/{id}/messages", { params: { path: { id: conversationId } } });
    expect(thread.data!.data.filter((m) => m.id === first.data.id)).toHaveLength(1);
    expect(thread.data!.data.filter((m) => m.parts[0]?.text === "It shipped today.")).toHaveLength(1);
  });

  it("keeps to an agent key's scope: another agent's key sees none of the conversation", async () => {
    const rex = await connect(app, rexKey);
    try {
      const list = await call(rex, "list_conversations", {});
      expect(list.data.data.map((c: { id: string }) => c.id)).not.toContain(conversationId);
      const read = await call(rex, "read_conversation", { conversation_id: conversationId });
      expect(read.text).toMatch(/^conversation_not_found: /);
      const tapback = await call(rex, "send_tapback", { message_id: humanMessageId, reaction: "like" });
      expect(tapback.isError).toBe(true);
      expect(tapback.text).toMatch(/^message_not_found: /);
      const changes = await call(rex, "list_reaction_changes", { message_id: humanMessageId });
      expect(changes.text).toMatch(/^message_not_found: /);
      const send = await call(rex, "send_message", { conversation_id: conversationId, parts: [{ text: "hi" }] });
      expect(send.text).toMatch(/^conversation_not_found: /);
      const wait = await call(rex, "wait_for_activity", { conversation_id: conversationId, timeout_s: 0 });
      expect(wait.text).toMatch(/^conversation_not_found: /);
      // Nothing of Ava's conversation reaches Rex's workspace-wide wait either.
      const all = await call(rex, "wait_for_activity", { timeout_s: 0 });
      const cursor = all.data.cursor;
      await w.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "for Ava only" }] },
      });
      const after = await call(rex, "wait_for_activity", { timeout_s: 0, cursor });
      expect(after.data).toMatchObject({ messages: [], reaction_changes: [], timed_out: true });
      const reactions = await w.api.GET("/conversations/{id}/messages", { params: { path: { id: conversationId } } });
      expect(reactions.data!.data.flatMap((m) => m.reactions).filter((r) => r.direction === "outbound")).toEqual([]);
    } finally {
      await rex.close();
    }
  });

  it("wait_for_activity is woken by the person's tapback through the live hub, and reports it once", async () => {
    const sent = await call(agent, "send_message", {
      conversation_id: conversationId,
      parts: [{ text: "Anything else?" }],
    });
    const start = await call(agent, "wait_for_activity", { conversation_id: conversationId, timeout_s: 0 });
    expect(start.data).toMatchObject({ messages: [], reaction_changes: [], timed_out: true });
    const hub = await (await getDatabase()).live();
    const before = hub.waiting;
    const waiting = call(agent, "wait_for_activity", {
      conversation_id: conversationId,
      timeout_s: 25,
      cursor: start.data.cursor,
    });
    // Held until the wait is subscribed to the hub: no sleep decides the interleaving.
    await vi.waitFor(() => expect(hub.waiting).toBeGreaterThan(before), { timeout: 20_000, interval: 5 });
    const woke = Date.now();
    const human = await w.api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: sent.data.id } },
      body: { operation: "add", type: "like" },
    });
    expect(human.response.status).toBe(201);
    const answer = await waiting;
    console.log(`wait_for_activity answered ${Date.now() - woke} ms after the sandbox tapback (${backend})`);
    expect(answer.isError).toBe(false);
    expect(answer.data.timed_out).toBe(false);
    expect(answer.data.messages).toEqual([]);
    expect(answer.data.reaction_changes).toEqual([
      expect.objectContaining({
        conversation_id: conversationId,
        message_id: sent.data.id,
        action: "add",
        reaction: "like",
        direction: "inbound",
      }),
    ]);

    // The next wait starts where this one ended: the person's reply is new, the tapback is not.
    await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "No, thanks!" }] },
    });
    const elsewhere = await call(agent, "wait_for_activity", { timeout_s: 0, cursor: answer.data.cursor });
    expect(elsewhere.text).toMatch(/^validation_failed: [\s\S]*cursor/);
    const next = await call(agent, "wait_for_activity", {
      conversation_id: conversationId,
      timeout_s: 25,
      cursor: answer.data.cursor,
    });
    expect(next.data.reaction_changes).toEqual([]);
    expect(next.data.messages).toEqual([
      expect.objectContaining({
        conversation_id: conversationId,
        direction: "inbound",
        parts: [expect.objectContaining({ text: "No, thanks!" })],
      }),
    ]);
    // The agent's own sends are not the person's activity: it times out with nothing new.
    await call(agent, "send_tapback", { message_id: next.data.messages[0].id, reaction: "love" });
    const quiet = await call(agent, "wait_for_activity", {
      conversation_id: conversationId,
      timeout_s: 1,
      cursor: next.data.cursor,
    });
    expect(quiet.data).toMatchObject({ messages: [], reaction_changes: [], timed_out: true });
  });

  it("without a cursor, reports what the person did once the call arrived, also before its wait began", async () => {
    const caller = (await authenticateApiKey(w.t.prisma, `Bearer ${avaKey}`))!;
    const sent = await call(agent, "send_message", { conversation_id: conversationId, parts: [{ text: "Rate us?" }] });
    // The call has arrived; the person's tapback commits before the wait subscribes to the hub.
    const arrivedAt = new Date();
    await w.api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: sent.data.id } },
      body: { operation: "add", type: "emphasize" },
    });
    const activity = await waitForActivity(caller, { conversation_id: conversationId, timeout_s: 5 }, { arrivedAt });
    expect(activity.timed_out).toBe(false);
    expect(activity.reaction_changes).toEqual([
      expect.objectContaining({ message_id: sent.data.id, reaction: "emphasize" }),
    ]);
    // What came before the call's arrival is not news, neither now nor through the cursor it gives.
    const later = await waitForActivity(
      caller,
      { conversation_id: conversationId, timeout_s: 0 },
      { arrivedAt: new Date() },
    );
    expect(later).toMatchObject({ messages: [], reaction_changes: [], timed_out: true });
    const next = await waitForActivity(
      caller,
      { conversation_id: conversationId, timeout_s: 0, cursor: later.cursor },
      { arrivedAt: new Date() },
    );
    expect(next).toMatchObject({ messages: [], reaction_changes: [], timed_out: true });
  });

  it("refuses a bad timeout or cursor by name", async () => {
    const long = await call(agent, "wait_for_activity", { timeout_s: 26 });
    expect(long.text).toMatch(/^validation_failed: [\s\S]*timeout_s/);
    const cursor = await call(agent, "wait_for_activity", { timeout_s: 0, cursor: "nonsense" });
    expect(cursor.text).toMatch(/^validation_failed: [\s\S]*cursor/);
  });

  it("answers malformed requests below 500, and a tool's hostile arguments as tool errors", async () => {
    const post = (body: string | Uint8Array<ArrayBuffer>, contentType = "application/json") =>
      fetch(`${app.url}/api/mcp`, {
        method: "POST",
        headers: {
          "content-type": contentType,
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${avaKey}`,
        },
        body,
      });
    const bodies: (string | Uint8Array<ArrayBuffer>)[] = [
      "not json",
      "{}",
      "[]",
      "null",
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_tapback","arguments":"x"}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":42}}',
      new Uint8Array([0xff, 0xfe, 0x00, 0x7b]),
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { pad: "x".repeat(300_000) } }),
    ];
    for (const body of bodies) expect((await post(body)).status, String(body).slice(0, 60)).toBeLessThan(500);
    expect((await post("{}", "text/plain")).status).toBeLessThan(500);
    const get = await fetch(`${app.url}/api/mcp`, { headers: { authorization: `Bearer ${avaKey}` } });
    expect(get.status).toBeLessThan(500);

    const hostile = [
      { name: "send_message", arguments: { conversation_id: conversationId, parts: [{ text: "nul \u0000 byte" }] } },
      { name: "send_message", arguments: { conversation_id: conversationId, parts: "none" } },
      { name: "read_conversation", arguments: { conversation_id: "../../etc" } },
      { name: "read_conversation", arguments: { conversation_id: conversationId, limit: 1e308 } },
      { name: "read_conversation", arguments: { conversation_id: conversationId, limit: { $gt: 1 } } },
      { name: "send_tapback", arguments: { message_id: humanMessageId, reaction: "like", part_index: -1 } },
      { name: "send_tapback", arguments: { message_id: humanMessageId, reaction: "like", idempotency_key: 7 } },
      { name: "remove_tapback", arguments: { reaction_id: 123 } },
      { name: "wait_for_activity", arguments: { conversation_id: "nope", timeout_s: 0 } },
      { name: "wait_for_activity", arguments: { timeout_s: "soon" } },
    ];
    const codes = [];
    for (const request of hostile) {
      const result = await agent.callTool(request);
      expect(result.isError, request.name).toBe(true);
      codes.push((result.content as { text: string }[])[0]!.text.split(":")[0]);
    }
    expect(codes).toEqual([
      "validation_failed",
      "validation_failed",
      "conversation_not_found",
      "validation_failed",
      "validation_failed",
      "invalid_part_index",
      "validation_failed",
      "validation_failed",
      "conversation_not_found",
      "validation_failed",
    ]);
  });

  it("serves the 2026-07-28 per-request protocol too, statelessly", async () => {
    const modern = await connect(app, avaKey, "auto");
    try {
      const { tools } = await modern.listTools();
      expect(tools.map((t) => t.name)).toContain("send_tapback");
      const wrong = await call(modern, "send_tapback", { message_id: humanMessageId, reaction: "wave" });
      expect(wrong.text).toMatch(/^invalid_reaction: /);
    } finally {
      await modern.close();
    }
  });
});
