import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentListSchema, agentSchema } from "@/lib/agents/schemas";
import { apiKeyListSchema, createdApiKeySchema } from "@/lib/auth/api-key-schemas";
import { contactRuleSchema } from "@/lib/contact-rules/schemas";
import { conversationPageSchema, conversationSchema } from "@/lib/conversations/schemas";
import { messagePageSchema, messageSchema } from "@/lib/messages/schemas";
import { compactReactionSchema, reactionSchema } from "@/lib/tapbacks/schemas";
import { expectProblem, type Schemas, textOf } from "./helpers/answers";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

const STICKER = { file_name: "s.png", mime_type: "image/png", url: "https://x.test/s.png", width: 64, height: 64 };
const NOWHERE = "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30";

const sansInstance = (text: string) => text.replace(/,"instance":"[0-9a-f-]{36}"/, "");

describe.each(BACKENDS)("the agent API on %s", (backend) => {
  let w: ApiWorld;

  beforeAll(async () => {
    w = await apiWorld(backend);
  });
  afterAll(() => w?.dispose());

  /** The typed client with the seeded key, or with `key`. */
  const by = (key?: string) => (key === undefined ? w.api : w.as(key));

  /** A fresh conversation of Ava's with an agent message of `parts` parts and a human one. */
  async function thread(agent: "ava" | "rex" = "ava", parts = 2) {
    const c = await w.newConversation(agent);
    const out = await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: c.conversationId } },
      body: { parts: Array.from({ length: parts }, (_, i) => ({ text: `part ${i}` })) },
    });
    expect(out.response.status).toBe(201);
    const human = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "hi" }] },
    });
    expect(human.response.status).toBe(201);
    return { ...c, agentMessage: out.data!.id, humanMessage: human.data!.id };
  }

  const send = (body: Schemas["SendReactionRequest"], key?: string) => by(key).POST("/reactions", { body });
  /** A body the typed client would not send: wrong types, unknown fields, unknown reactions. */
  const sendRaw = (body: unknown) => w.raw("POST", "/reactions", { body });
  const operate = (messageId: string, body: Schemas["ReactionOperationRequest"], key?: string) =>
    by(key).POST("/messages/{id}/reactions", { params: { path: { id: messageId } }, body });
  const operateRaw = (messageId: string, body: unknown) => w.raw("POST", `/messages/${messageId}/reactions`, { body });
  const getMessage = (id: string, key?: string) => by(key).GET("/messages/{id}", { params: { path: { id } } });
  const getReaction = (id: string, key?: string) => by(key).GET("/reactions/{id}", { params: { path: { id } } });
  const deleteReaction = (id: string, key?: string) => by(key).DELETE("/reactions/{id}", { params: { path: { id } } });
  const humanReacts = (messageId: string, body: Schemas["HumanReactionRequest"]) =>
    w.api.POST("/sandbox/messages/{id}/reactions", { params: { path: { id: messageId } }, body });
  const upstreamMode = (mode: "ok" | "fail" | "hold") => w.api.PUT("/sandbox/upstream", { body: { mode } });
  const changeCount = () => w.t.prisma.reactionChange.count({ where: { workspaceId: w.scope.workspaceId } });

  describe("POST /reactions", () => {
    it("adds (201), replaces in place (201, same id and created_at, next sequence), and no-ops (200)", async () => {
      const { humanMessage } = await thread();
      const added = await send({ message_id: humanMessage, reaction: "love" });
      expect(added.response.status).toBe(201);
      expect(added.response.headers.get("content-type")).toBe("application/json");
      const first = reactionSchema.parse(added.data);
      expect(first).toMatchObject({
        target_message_id: humanMessage,
        direction: "outbound",
        reaction: "love",
        custom_emoji: null,
        sticker: null,
        part_index: 0,
        sequence: 1,
      });

      const replaced = await send({ message_id: humanMessage, reaction: "laugh" });
      expect(replaced.response.status).toBe(201);
      const second = reactionSchema.parse(replaced.data);
      expect(second).toMatchObject({ id: first.id, created_at: first.created_at, reaction: "laugh", sequence: 2 });
      expect(Date.parse(second.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.updated_at));

      const before = await changeCount();
      const same = await send({ message_id: humanMessage, reaction: "laugh" });
      expect(same.response.status).toBe(200);
      expect(same.data).toEqual(second);
      expect(await changeCount()).toBe(before);
    });

    it("targets a part of a multi-part message, and the agent's own messages", async () => {
      const { agentMessage } = await thread("ava", 3);
      const res = await send({ message_id: agentMessage, reaction: "emphasize", part_index: 2 });
      expect(res.response.status).toBe(201);
      expect(res.data).toMatchObject({ part_index: 2, target_message_id: agentMessage });
      const other = await send({ message_id: agentMessage, reaction: "like", part_index: 0 });
      expect(other.response.status).toBe(201);
      expect(other.data!.id).not.toBe(res.data!.id);
    });

    it("sends a custom emoji for an agent with custom_emoji_sends on", async () => {
      const { humanMessage } = await thread("ava");
      const res = await send({ message_id: humanMessage, reaction: "custom", custom_emoji: "🫶🏽" });
      expect(res.response.status).toBe(201);
      expect(res.data).toMatchObject({ reaction: "custom", custom_emoji: "🫶🏽" });
    });
  });

  describe("POST /messages/{id}/reactions", () => {
    it("adds, no-ops, removes only the matching type, and reports removed true|false", async () => {
      const { humanMessage } = await thread();
      const added = await operate(humanMessage, { operation: "add", type: "like" });
      expect(added.response.status).toBe(201);
      const like = reactionSchema.parse(added.data);
      expect((await operate(humanMessage, { operation: "add", type: "like" })).response.status).toBe(200);

      const wrong = await operate(humanMessage, { operation: "remove", type: "love" });
      expect({ status: wrong.response.status, data: wrong.data }).toEqual({ status: 200, data: { removed: false } });
      expect((await getMessage(humanMessage)).data!.reactions).toHaveLength(1);

      const removed = await operate(humanMessage, { operation: "remove", type: "like" });
      expect({ status: removed.response.status, data: removed.data }).toEqual({ status: 200, data: { removed: true } });
      expect((await getMessage(humanMessage)).data!.reactions).toEqual([]);
      const again = await operate(humanMessage, { operation: "remove", type: "like" });
      expect({ status: again.response.status, data: again.data }).toEqual({ status: 200, data: { removed: false } });

      const question = await operate(humanMessage, { operation: "add", type: "question" });
      expect(question.response.status).toBe(201);
      const replacement = reactionSchema.parse(question.data);
      expect(replacement.id).not.toBe(like.id);
      expect(replacement.sequence).toBe(3);
    });

    it("adds and removes a custom emoji on a part", async () => {
      const { agentMessage } = await thread("ava", 2);
      const added = await operate(agentMessage, {
        operation: "add",
        type: "custom",
        custom_emoji: "🎉",
        part_index: 1,
      });
      expect(added.response.status).toBe(201);
      expect(added.data).toMatchObject({ reaction: "custom", custom_emoji: "🎉", part_index: 1 });
      const otherEmoji = await operate(agentMessage, {
        operation: "remove",
        type: "custom",
        custom_emoji: "😂",
        part_index: 1,
      });
      expect(otherEmoji.data).toEqual({ removed: false });
      const removed = await operate(agentMessage, { operation: "remove", type: "custom", part_index: 1 });
      expect(removed.data).toEqual({ removed: true });
    });
  });

  describe("GET and DELETE /reactions/{id}", () => {
    it("reads a live reaction, removes the agent's own (204), and then it is gone (404)", async () => {
      const { humanMessage } = await thread();
      const added = await send({ message_id: humanMessage, reaction: "dislike" });
      const id = added.data!.id;
      const got = await getReaction(id);
      expect(got.response.status).toBe(200);
      expect(reactionSchema.parse(got.data)).toEqual(added.data);

      const deleted = await deleteReaction(id);
      expect(deleted.response.status).toBe(204);
      expect(textOf(deleted)).toBe("");
      expectProblem(await getReaction(id), 404, "reaction_not_found");
      expectProblem(await deleteReaction(id), 404, "reaction_not_found");
      const audit = await w.t.prisma.reactionChange.findMany({
        where: { reactionId: id },
        orderBy: { sequence: "asc" },
      });
      expect(audit.map((a) => [a.sequence, a.action])).toEqual([
        [1, "add"],
        [2, "remove"],
      ]);
    });

    it("refuses to remove the human's reaction (403) and changes nothing", async () => {
      const { agentMessage } = await thread();
      const human = await humanReacts(agentMessage, { operation: "add", type: "love" });
      expect(human.response.status).toBe(201);
      const id = reactionSchema.parse(human.data).id;
      const before = await changeCount();
      expectProblem(await deleteReaction(id), 403, "reaction_not_owned");
      expect(await changeCount()).toBe(before);
      expect((await getReaction(id)).response.status).toBe(200);
    });

    it("answers 404 for unknown ids and ids that are not UUIDs", async () => {
      for (const id of [NOWHERE, "nope", "1"]) {
        expectProblem(await getReaction(id), 404, "reaction_not_found");
        expectProblem(await deleteReaction(id), 404, "reaction_not_found");
      }
    });
  });

  describe("reads", () => {
    it("embeds compact reactions, oldest first, without the omitted fields", async () => {
      const { agentMessage } = await thread("ava", 2);
      await humanReacts(agentMessage, { operation: "add", type: "sticker", sticker: STICKER, part_index: 1 });
      await send({ message_id: agentMessage, reaction: "like", part_index: 0 });
      await humanReacts(agentMessage, { operation: "add", type: "custom", custom_emoji: "😂" });
      const res = await getMessage(agentMessage);
      expect(res.response.status).toBe(200);
      const message = messageSchema.parse(res.data);
      expect(message.reactions.map((r) => r.reaction)).toEqual(["sticker", "like", "custom"]);
      for (const r of res.data!.reactions) {
        compactReactionSchema.parse(r);
        for (const omitted of ["conversation_id", "assignment_id", "target_message_id", "updated_at"]) {
          expect(r).not.toHaveProperty(omitted);
        }
      }
      expect(message.reactions[0]?.sticker).toEqual(STICKER);
    });

    it("lists a conversation's messages oldest first and validates limit", async () => {
      const { conversationId, agentMessage, humanMessage } = await thread();
      const list = (query: { limit?: number; before?: string }) =>
        w.api.GET("/conversations/{id}/messages", { params: { path: { id: conversationId }, query } });
      const page = await list({ limit: 1 });
      expect(page.response.status).toBe(200);
      expect(messagePageSchema.parse(page.data).data.map((m) => m.id)).toEqual([humanMessage]);
      const older = await list({ limit: 1, before: page.data!.next_before! });
      expect(older.data!.data.map((m) => m.id)).toEqual([agentMessage]);
      for (const bad of ["0", "201", "ten", "1.5"]) {
        const res = await w.raw("GET", `/conversations/${conversationId}/messages?limit=${bad}`);
        expect(expectProblem(res, 422, "validation_failed").errors?.[0]?.field).toBe("limit");
      }
    });

    it("lists conversations newest activity first, through every page without repeats", async () => {
      const fresh = await thread();
      const first = await w.api.GET("/conversations", { params: { query: { limit: 2 } } });
      expect(first.response.status).toBe(200);
      const page = conversationPageSchema.parse(first.data);
      expect(page.data[0]?.id).toBe(fresh.conversationId);
      const seen = [...page.data];
      let cursor = page.next_cursor;
      while (cursor) {
        const next = await w.api.GET("/conversations", { params: { query: { limit: 2, cursor } } });
        expect(next.response.status).toBe(200);
        seen.push(...conversationPageSchema.parse(next.data).data);
        cursor = next.data!.next_cursor;
      }
      const total = await w.t.prisma.conversation.count({ where: { workspaceId: w.scope.workspaceId } });
      expect(new Set(seen.map((c) => c.id)).size).toBe(total);
      expect(seen).toHaveLength(total);
      const times = seen.map((c) => Date.parse(c.last_activity_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      expectProblem(
        await w.api.GET("/conversations", { params: { query: { cursor: "garbage" } } }),
        422,
        "validation_failed",
      );
      const one = await w.api.GET("/conversations/{id}", { params: { path: { id: fresh.conversationId } } });
      expect(conversationSchema.parse(one.data)).toMatchObject({ id: fresh.conversationId, status: "active" });
    });
  });

  describe("visibility through agent keys", () => {
    it("an agent key sees only its agent's conversations; the rest answers exactly like nothing", async () => {
      const rexKey = await extraKey(w, w.rex.id, "rex only");
      const avas = await thread("ava");
      const rexs = await thread("rex");
      const avaReaction = await send({ message_id: avas.humanMessage, reaction: "love" });

      const listed = await w.as(rexKey).GET("/conversations", { params: { query: { limit: 200 } } });
      expect(listed.data!.data.length).toBeGreaterThan(0);
      expect(listed.data!.data.every((c) => c.agent_id === w.rex.id)).toBe(true);

      const hidden = await getMessage(avas.humanMessage, rexKey);
      const missing = await getMessage(NOWHERE, rexKey);
      expectProblem(hidden, 404, "message_not_found");
      // Byte for byte, but for the request id every problem carries.
      expect(sansInstance(textOf(hidden))).toBe(sansInstance(textOf(missing)));

      const before = await changeCount();
      const hiddenSend = await send({ message_id: avas.humanMessage, reaction: "like" }, rexKey);
      const missingSend = await send({ message_id: NOWHERE, reaction: "like" }, rexKey);
      expectProblem(hiddenSend, 404, "message_not_found");
      expect(sansInstance(textOf(hiddenSend))).toBe(sansInstance(textOf(missingSend)));
      expectProblem(
        await operate(avas.humanMessage, { operation: "add", type: "like" }, rexKey),
        404,
        "message_not_found",
      );
      const id = avaReaction.data!.id;
      expectProblem(await getReaction(id, rexKey), 404, "reaction_not_found");
      expectProblem(await deleteReaction(id, rexKey), 404, "reaction_not_found");
      expectProblem(
        await w.as(rexKey).GET("/conversations/{id}", { params: { path: { id: avas.conversationId } } }),
        404,
        "conversation_not_found",
      );
      expect(await changeCount()).toBe(before);

      expect((await send({ message_id: rexs.humanMessage, reaction: "like" }, rexKey)).response.status).toBe(201);
    });

    it("settings take workspace-wide keys only", async () => {
      const avaKey = await extraKey(w, w.ava.id, "ava only");
      for (const path of ["/agents", "/contact-rules", "/api-keys"] as const) {
        expectProblem(await w.as(avaKey).GET(path), 403, "workspace_key_required");
      }
      expectProblem(
        await w.as(avaKey).POST("/api-keys", { body: { name: "escalate" } }),
        403,
        "workspace_key_required",
      );
    });
  });

  describe("agents", () => {
    it("lists, creates, reads and updates agents", async () => {
      const list = await w.api.GET("/agents");
      expect(agentListSchema.parse(list.data).data.map((a) => a.name)).toEqual(expect.arrayContaining(["Ava", "Rex"]));
      const created = await w.api.POST("/agents", {
        body: { name: "Nia", handle: `nia-${backend}@agents.example.com` },
      });
      expect(created.response.status).toBe(201);
      const nia = agentSchema.parse(created.data);
      expect(nia).toMatchObject({ imessage_enabled: true, custom_emoji_sends: false });
      const agent = (id: string) => ({ params: { path: { id } } });
      const got = await w.api.GET("/agents/{id}", agent(nia.id));
      expect(got.data).toEqual(created.data);
      const patched = await w.api.PATCH("/agents/{id}", {
        ...agent(nia.id),
        body: { custom_emoji_sends: true, name: "Nia 2" },
      });
      expect(patched.data).toMatchObject({ id: nia.id, custom_emoji_sends: true, name: "Nia 2", handle: nia.handle });

      expectProblem(
        await w.api.POST("/agents", { body: { name: "Dup", handle: nia.handle } }),
        409,
        "agent_handle_taken",
      );
      const bad = expectProblem(
        await w.raw("POST", "/agents", { body: { name: "", handle: "not a handle", extra: 1 } }),
        422,
        "validation_failed",
      );
      expect(bad.errors?.map((e) => e.field).sort()).toEqual(["extra", "handle", "name"]);
      const handleChange = expectProblem(
        await w.raw("PATCH", `/agents/${nia.id}`, { body: { handle: "+15550000000" } }),
        422,
        "validation_failed",
      );
      expect(handleChange.errors).toEqual([{ field: "handle", message: "Unknown field." }]);
      expectProblem(await w.api.GET("/agents/{id}", agent(NOWHERE)), 404, "agent_not_found");
      expectProblem(await w.api.PATCH("/agents/{id}", { ...agent(NOWHERE), body: {} }), 404, "agent_not_found");
    });
  });

  describe("contact rules", () => {
    it("creates, lists and removes rules; a rule blocks sends and messages to matching numbers", async () => {
      const { humanMessage, remote, conversationId } = await thread();
      const prefix = `${remote.slice(0, 8)}*`;
      const created = await w.api.POST("/contact-rules", { body: { pattern: prefix } });
      expect(created.response.status).toBe(201);
      const rule = contactRuleSchema.parse(created.data);
      expect((await w.api.GET("/contact-rules")).data!.data).toContainEqual(rule);
      expectProblem(await w.api.POST("/contact-rules", { body: { pattern: prefix } }), 409, "contact_rule_exists");

      const before = await changeCount();
      expectProblem(await send({ message_id: humanMessage, reaction: "love" }), 403, "contact_blocked");
      expectProblem(
        await w.api.POST("/conversations/{id}/messages", {
          params: { path: { id: conversationId } },
          body: { parts: [{ text: "hello?" }] },
        }),
        403,
        "contact_blocked",
      );
      expect(await changeCount()).toBe(before);

      const removeRule = () => w.api.DELETE("/contact-rules/{id}", { params: { path: { id: rule.id } } });
      expect((await removeRule()).response.status).toBe(204);
      expectProblem(await removeRule(), 404, "contact_rule_not_found");
      expect((await send({ message_id: humanMessage, reaction: "love" })).response.status).toBe(201);

      for (const pattern of ["+1415", "1415555*", "+1*5", "*", "+0123456789", 14155550123]) {
        expectProblem(await w.raw("POST", "/contact-rules", { body: { pattern } }), 422, "validation_failed");
      }
    });
  });

  describe("API keys", () => {
    it("creates keys shown once, lists them without secrets, restricts agent keys, and revokes", async () => {
      const created = await w.api.POST("/api-keys", { body: { name: "CI", agent_id: w.rex.id } });
      expect(created.response.status).toBe(201);
      const key = createdApiKeySchema.parse(created.data);
      expect(key.agent_id).toBe(w.rex.id);
      const stored = await w.t.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(stored.hash).not.toContain(key.key);
      expect(JSON.stringify(stored)).not.toContain(key.key);

      const list = await w.api.GET("/api-keys");
      const listed = apiKeyListSchema.parse(list.data).data;
      expect(listed.map((k) => k.id)).toContain(key.id);
      expect(textOf(list)).not.toContain(key.key);

      const asRex = await w.as(key.key).GET("/conversations");
      expect(asRex.response.status).toBe(200);
      // Rex has conversations of his own, and Ava has some the key must not show.
      expect(asRex.data!.data.length).toBeGreaterThan(0);
      expect(asRex.data!.data.every((c) => c.agent_id === w.rex.id)).toBe(true);
      const all = (await w.api.GET("/conversations", { params: { query: { limit: 200 } } })).data!.data;
      expect(all.some((c) => c.agent_id !== w.rex.id)).toBe(true);

      const revoke = () => w.api.DELETE("/api-keys/{id}", { params: { path: { id: key.id } } });
      expect((await revoke()).response.status).toBe(204);
      expectProblem(await w.as(key.key).GET("/conversations"), 401, "unauthorized");
      expect((await w.api.GET("/api-keys")).data!.data.map((k) => k.id)).not.toContain(key.id);
      expectProblem(await revoke(), 404, "api_key_not_found");
      expectProblem(await w.api.POST("/api-keys", { body: { name: "x", agent_id: NOWHERE } }), 404, "agent_not_found");
      const wide = await w.api.POST("/api-keys", { body: { name: "wide" } });
      expect(wide.data!.agent_id).toBeNull();
      expect((await w.as(wide.data!.key).GET("/agents")).response.status).toBe(200);
    });
  });

  describe("the error table, row by row and in order", () => {
    it("401 unauthorized: missing, unknown or malformed key (before anything else)", async () => {
      for (const key of [null, "td_unknown", ""]) {
        expectProblem(await w.raw("POST", "/reactions", { key, raw: "{not json" }), 401, "unauthorized");
      }
      expectProblem(
        await w.raw("POST", "/reactions", { key: null, headers: { authorization: "Basic abc" }, body: {} }),
        401,
        "unauthorized",
      );
      expectProblem(await w.as(null).GET("/conversations"), 401, "unauthorized");
    });

    it("400 invalid_json: the body is not JSON (before validation)", async () => {
      for (const raw of ["{not json", "", "{'a':1}", "\u0000", "[1,]"]) {
        expectProblem(await w.raw("POST", "/reactions", { raw }), 400, "invalid_json");
      }
    });

    it("422 validation_failed: errors[] names each bad field", async () => {
      const { humanMessage } = await thread();
      const cases: [unknown, string[]][] = [
        [{ reaction: "love" }, ["message_id"]],
        [{ message_id: 42, reaction: 7 }, ["message_id", "reaction"]],
        [{ message_id: humanMessage, reaction: "love", part_index: "1" }, ["part_index"]],
        [{ message_id: humanMessage, reaction: "love", part_index: null }, ["part_index"]],
        [{ message_id: humanMessage, reaction: "love", colour: "red" }, ["colour"]],
        [{ message_id: humanMessage, reaction: "love", custom_emoji: "😀" }, ["custom_emoji"]],
        [null, ["(body)"]],
        [[], ["(body)"]],
        ["love", ["(body)"]],
        [{ reaction: "nope" }, ["message_id", "reaction"]],
      ];
      const before = await changeCount();
      for (const [body, fields] of cases) {
        const problem = expectProblem(await sendRaw(body), 422, "validation_failed");
        expect(problem.errors?.map((e) => e.field).sort(), JSON.stringify(body)).toEqual(fields);
      }
      const op = expectProblem(
        await operateRaw(humanMessage, { operation: "toggle", type: "love" }),
        422,
        "validation_failed",
      );
      expect(op.errors?.map((e) => e.field)).toEqual(["operation"]);
      expect(await changeCount()).toBe(before);
    });

    it("422 invalid_reaction: unknown reaction, or a custom_emoji that is not exactly one emoji", async () => {
      const { humanMessage } = await thread();
      const before = await changeCount();
      for (const body of [
        { message_id: humanMessage, reaction: "heart" },
        { message_id: humanMessage, reaction: "LOVE" },
        { message_id: humanMessage, reaction: "custom", custom_emoji: "😀😀" },
        { message_id: humanMessage, reaction: "custom", custom_emoji: "ab" },
        { message_id: humanMessage, reaction: "custom" },
        { message_id: humanMessage, reaction: "heart", part_index: -1 },
      ]) {
        expectProblem(await sendRaw(body), 422, "invalid_reaction");
      }
      expectProblem(await operateRaw(humanMessage, { operation: "add", type: "haha" }), 422, "invalid_reaction");
      expectProblem(
        await operate(humanMessage, { operation: "remove", type: "custom", custom_emoji: "👍👍" }),
        422,
        "invalid_reaction",
      );
      expect(await changeCount()).toBe(before);
    });

    it("422 invalid_part_index: negative, fractional, huge, or beyond the parts (after the lookup)", async () => {
      const { humanMessage } = await thread();
      const before = await changeCount();
      for (const part_index of [-1, 1.5, 1e20, 2 ** 53]) {
        expectProblem(
          await send({ message_id: humanMessage, reaction: "love", part_index }),
          422,
          "invalid_part_index",
        );
      }
      // Checked before the lookup: an unknown message with a bad index is still invalid_part_index.
      expectProblem(await send({ message_id: NOWHERE, reaction: "love", part_index: -1 }), 422, "invalid_part_index");
      const beyond = expectProblem(
        await send({ message_id: humanMessage, reaction: "love", part_index: 1 }),
        422,
        "invalid_part_index",
      );
      expect(beyond.detail).toContain("1 part");
      expect(await changeCount()).toBe(before);
    });

    it("404 message_not_found: unknown ids, ids that are not UUIDs (before sendability)", async () => {
      for (const message_id of [NOWHERE, "not-a-uuid", "", "00000000-0000-0000-0000-000000000000"]) {
        expectProblem(await send({ message_id, reaction: "love" }), 404, "message_not_found");
      }
      expectProblem(await send({ message_id: NOWHERE, reaction: "sticker" }), 404, "message_not_found");
      for (const id of [NOWHERE, "nope"]) {
        expectProblem(await operate(id, { operation: "add", type: "love" }), 404, "message_not_found");
      }
    });

    it("422 reaction_not_sendable: stickers always, custom when custom_emoji_sends is off (before identity)", async () => {
      const avas = await thread("ava");
      const rexs = await thread("rex");
      const before = await changeCount();
      expectProblem(await send({ message_id: avas.humanMessage, reaction: "sticker" }), 422, "reaction_not_sendable");
      expectProblem(
        await send({ message_id: rexs.humanMessage, reaction: "custom", custom_emoji: "😀" }),
        422,
        "reaction_not_sendable",
      );
      expectProblem(
        await operate(rexs.humanMessage, { operation: "add", type: "custom", custom_emoji: "😀" }),
        422,
        "reaction_not_sendable",
      );
      expect(await changeCount()).toBe(before);
    });

    it("400 identity_not_imessage, 403 contact_blocked, 409 recipient_disconnected: each wins over the next", async () => {
      const agent = await w.api.POST("/agents", {
        body: { name: "Order", handle: `order-${backend}@agents.example.com`, custom_emoji_sends: false },
      });
      const agentId = agent.data!.id;
      const c = await w.api.POST("/sandbox/conversations", {
        body: { remote_number: "+14445556666", agent_id: agentId },
      });
      expect(c.response.status).toBe(201);
      const { conversation_id: conversationId, assignment_id: assignmentId } = c.data!;
      const msg = await w.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "hey" }] },
      });
      const messageId = msg.data!.id;
      const body = { message_id: messageId, reaction: "love" } as const;
      const setIdentity = (imessage_enabled: boolean) =>
        w.api.PATCH("/agents/{id}", { params: { path: { id: agentId } }, body: { imessage_enabled } });
      const assignment = { params: { path: { id: assignmentId } } };

      // All three conditions hold: identity off, blocked, disconnected.
      await setIdentity(false);
      const rule = await w.api.POST("/contact-rules", { body: { pattern: "+1444555*" } });
      await w.api.POST("/sandbox/assignments/{id}/disconnect", assignment);
      const before = await changeCount();
      expectProblem(await send({ ...body, reaction: "sticker" }), 422, "reaction_not_sendable");
      expectProblem(await send(body), 400, "identity_not_imessage");
      await setIdentity(true);
      expectProblem(await send(body), 403, "contact_blocked");
      await w.api.DELETE("/contact-rules/{id}", { params: { path: { id: rule.data!.id } } });
      expectProblem(await send(body), 409, "recipient_disconnected");
      expectProblem(await operate(messageId, { operation: "remove", type: "love" }), 409, "recipient_disconnected");
      expect(await changeCount()).toBe(before);
      await w.api.POST("/sandbox/assignments/{id}/reconnect", assignment);
      expect((await send(body)).response.status).toBe(201);
    });

    it("400 message_not_reactable: an outbound message still queued, or failed", async () => {
      const { conversationId, humanMessage } = await thread();
      await upstreamMode("hold");
      const held = await w.api.POST("/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "held" }] },
      });
      expect(held.data!.status).toBe("queued");
      const heldId = held.data!.id;
      try {
        expectProblem(await send({ message_id: heldId, reaction: "love" }), 400, "message_not_reactable");
        // Human messages are never queued: they stay reactable.
        expect((await send({ message_id: humanMessage, reaction: "love" })).response.status).toBe(201);
      } finally {
        await upstreamMode("ok");
      }
      expect((await send({ message_id: heldId, reaction: "love" })).response.status).toBe(201);

      const { agentMessage } = await thread();
      await w.t.prisma.message.update({ where: { id: agentMessage }, data: { status: "failed" } });
      expectProblem(await send({ message_id: agentMessage, reaction: "love" }), 400, "message_not_reactable");
    });

    it("502 upstream_delivery_failed: nothing changed, and the retry succeeds", async () => {
      const { humanMessage } = await thread();
      const live = await send({ message_id: humanMessage, reaction: "love" });
      const id = live.data!.id;
      const before = await changeCount();
      await upstreamMode("fail");
      try {
        expectProblem(await send({ message_id: humanMessage, reaction: "laugh" }), 502, "upstream_delivery_failed");
        expectProblem(
          await operate(humanMessage, { operation: "remove", type: "love" }),
          502,
          "upstream_delivery_failed",
        );
        expectProblem(await deleteReaction(id), 502, "upstream_delivery_failed");
      } finally {
        await upstreamMode("ok");
      }
      expect(await changeCount()).toBe(before);
      expect((await getMessage(humanMessage)).data!.reactions).toMatchObject([{ reaction: "love", sequence: 1 }]);
      const retried = await send({ message_id: humanMessage, reaction: "laugh" });
      expect(retried.data).toMatchObject({ id, reaction: "laugh", sequence: 2 });
    });

    it("413 above the documented body limit, without reading it", async () => {
      const { humanMessage } = await thread();
      const big = JSON.stringify({ message_id: humanMessage, reaction: "love", pad: "x".repeat(70 * 1024) });
      const answer = await w.raw("POST", "/reactions", { raw: big });
      expectProblem(answer, 413, "payload_too_large");
      // The unread rest of the body must not be taken for the next request on the connection.
      expect(answer.response.headers.get("connection")).toBe("close");
    });

    it("405 problem+json with an Allow header for a method a route does not have", async () => {
      const answer = await w.raw("PUT", "/reactions", { body: {} });
      expectProblem(answer, 405, "method_not_allowed");
      expect(answer.response.headers.get("allow")).toBe("POST");
    });
  });
});
