import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as agentById from "@/app/api/v1/agents/[id]/route";
import * as agents from "@/app/api/v1/agents/route";
import * as apiKeyById from "@/app/api/v1/api-keys/[id]/route";
import * as apiKeys from "@/app/api/v1/api-keys/route";
import * as contactRuleById from "@/app/api/v1/contact-rules/[id]/route";
import * as contactRules from "@/app/api/v1/contact-rules/route";
import * as conversationMessages from "@/app/api/v1/conversations/[id]/messages/route";
import * as conversationById from "@/app/api/v1/conversations/[id]/route";
import * as conversations from "@/app/api/v1/conversations/route";
import * as messageReactions from "@/app/api/v1/messages/[id]/reactions/route";
import * as messageById from "@/app/api/v1/messages/[id]/route";
import * as reactionById from "@/app/api/v1/reactions/[id]/route";
import * as reactions from "@/app/api/v1/reactions/route";
import * as disconnect from "@/app/api/v1/sandbox/assignments/[id]/[action]/route";
import * as inbound from "@/app/api/v1/sandbox/conversations/[id]/inbound/route";
import * as humanReactions from "@/app/api/v1/sandbox/messages/[id]/reactions/route";
import * as upstream from "@/app/api/v1/sandbox/upstream/route";
import { agentListSchema, agentSchema } from "@/lib/agents/schemas";
import { problemSchema } from "@/lib/api/schemas";
import { apiKeyListSchema, createdApiKeySchema } from "@/lib/auth/api-key-schemas";
import { contactRuleSchema } from "@/lib/contact-rules/schemas";
import { conversationPageSchema, conversationSchema } from "@/lib/conversations/schemas";
import { messagePageSchema, messageSchema } from "@/lib/messages/schemas";
import { compactReactionSchema, reactionSchema } from "@/lib/tapbacks/schemas";
import { type ApiResponse, type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

const STICKER = { file_name: "s.png", mime_type: "image/png", url: "https://x.test/s.png", width: 64, height: 64 };
const NOWHERE = "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30";

/** A problem+json answer with this status and code, valid against the Problem schema. */
function expectProblem(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.json?.code }).toEqual({ status, code });
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const problem = problemSchema.parse(res.json);
  expect(problem.status).toBe(status);
  expect(problem.detail.length).toBeGreaterThan(0);
  return problem;
}

const sansInstance = (text: string) => text.replace(/,"instance":"[0-9a-f-]{36}"/, "");

describe.each(BACKENDS)("the agent API on %s", (backend) => {
  let w: ApiWorld;
  const call: ApiWorld["call"] = (...args) => w.call(...args);

  beforeAll(async () => {
    w = await apiWorld(backend);
  });
  afterAll(() => w?.dispose());

  /** A fresh conversation of Ava's with an agent message of `parts` parts and a human one. */
  async function thread(agent: "ava" | "rex" = "ava", parts = 2) {
    const c = await w.newConversation(agent);
    const out = await call(conversationMessages.POST, "POST", `/conversations/${c.conversationId}/messages`, {
      params: { id: c.conversationId },
      body: { parts: Array.from({ length: parts }, (_, i) => ({ text: `part ${i}` })) },
    });
    expect(out.status).toBe(201);
    const human = await call(inbound.POST, "POST", `/sandbox/conversations/${c.conversationId}/inbound`, {
      params: { id: c.conversationId },
      body: { parts: [{ text: "hi" }] },
    });
    expect(human.status).toBe(201);
    return { ...c, agentMessage: out.json.id as string, humanMessage: human.json.id as string };
  }

  const send = (body: unknown, key?: string) => call(reactions.POST, "POST", "/reactions", { body, key });
  const operate = (messageId: string, body: unknown, key?: string) =>
    call(messageReactions.POST, "POST", `/messages/${messageId}/reactions`, { params: { id: messageId }, body, key });
  const getMessage = (id: string, key?: string) =>
    call(messageById.GET, "GET", `/messages/${id}`, { params: { id }, key });
  const changeCount = () => w.t.prisma.reactionChange.count({ where: { workspaceId: w.scope.workspaceId } });

  describe("POST /reactions", () => {
    it("adds (201), replaces in place (201, same id and created_at, next sequence), and no-ops (200)", async () => {
      const { humanMessage } = await thread();
      const added = await send({ message_id: humanMessage, reaction: "love" });
      expect(added.status).toBe(201);
      expect(added.headers.get("content-type")).toBe("application/json");
      const first = reactionSchema.parse(added.json);
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
      expect(replaced.status).toBe(201);
      const second = reactionSchema.parse(replaced.json);
      expect(second).toMatchObject({ id: first.id, created_at: first.created_at, reaction: "laugh", sequence: 2 });
      expect(Date.parse(second.updated_at)).toBeGreaterThanOrEqual(Date.parse(first.updated_at));

      const before = await changeCount();
      const same = await send({ message_id: humanMessage, reaction: "laugh" });
      expect(same.status).toBe(200);
      expect(same.json).toEqual(second);
      expect(await changeCount()).toBe(before);
    });

    it("targets a part of a multi-part message, and the agent's own messages", async () => {
      const { agentMessage } = await thread("ava", 3);
      const res = await send({ message_id: agentMessage, reaction: "emphasize", part_index: 2 });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ part_index: 2, target_message_id: agentMessage });
      const other = await send({ message_id: agentMessage, reaction: "like", part_index: 0 });
      expect(other.status).toBe(201);
      expect(other.json.id).not.toBe(res.json.id);
    });

    it("sends a custom emoji for an agent with custom_emoji_sends on", async () => {
      const { humanMessage } = await thread("ava");
      const res = await send({ message_id: humanMessage, reaction: "custom", custom_emoji: "🫶🏽" });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ reaction: "custom", custom_emoji: "🫶🏽" });
    });
  });

  describe("POST /messages/{id}/reactions", () => {
    it("adds, no-ops, removes only the matching type, and reports removed true|false", async () => {
      const { humanMessage } = await thread();
      const added = await operate(humanMessage, { operation: "add", type: "like" });
      expect(added.status).toBe(201);
      reactionSchema.parse(added.json);
      expect((await operate(humanMessage, { operation: "add", type: "like" })).status).toBe(200);

      const wrong = await operate(humanMessage, { operation: "remove", type: "love" });
      expect(wrong).toMatchObject({ status: 200, json: { removed: false } });
      expect((await getMessage(humanMessage)).json.reactions).toHaveLength(1);

      const removed = await operate(humanMessage, { operation: "remove", type: "like" });
      expect(removed).toMatchObject({ status: 200, json: { removed: true } });
      expect((await getMessage(humanMessage)).json.reactions).toEqual([]);
      expect(await operate(humanMessage, { operation: "remove", type: "like" })).toMatchObject({
        status: 200,
        json: { removed: false },
      });

      const again = await operate(humanMessage, { operation: "add", type: "question" });
      expect(again.status).toBe(201);
      expect(again.json.id).not.toBe(added.json.id);
      expect(again.json.sequence).toBe(3);
    });

    it("adds and removes a custom emoji on a part", async () => {
      const { agentMessage } = await thread("ava", 2);
      const added = await operate(agentMessage, {
        operation: "add",
        type: "custom",
        custom_emoji: "🎉",
        part_index: 1,
      });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({ reaction: "custom", custom_emoji: "🎉", part_index: 1 });
      const otherEmoji = await operate(agentMessage, {
        operation: "remove",
        type: "custom",
        custom_emoji: "😂",
        part_index: 1,
      });
      expect(otherEmoji.json).toEqual({ removed: false });
      const removed = await operate(agentMessage, { operation: "remove", type: "custom", part_index: 1 });
      expect(removed.json).toEqual({ removed: true });
    });
  });

  describe("GET and DELETE /reactions/{id}", () => {
    it("reads a live reaction, removes the agent's own (204), and then it is gone (404)", async () => {
      const { humanMessage } = await thread();
      const added = await send({ message_id: humanMessage, reaction: "dislike" });
      const id = added.json.id as string;
      const got = await call(reactionById.GET, "GET", `/reactions/${id}`, { params: { id } });
      expect(got.status).toBe(200);
      expect(reactionSchema.parse(got.json)).toEqual(added.json);

      const deleted = await call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id } });
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe("");
      expectProblem(
        await call(reactionById.GET, "GET", `/reactions/${id}`, { params: { id } }),
        404,
        "reaction_not_found",
      );
      expectProblem(
        await call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id } }),
        404,
        "reaction_not_found",
      );
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
      const human = await call(humanReactions.POST, "POST", `/sandbox/messages/${agentMessage}/reactions`, {
        params: { id: agentMessage },
        body: { operation: "add", type: "love" },
      });
      expect(human.status).toBe(201);
      const id = human.json.id as string;
      const before = await changeCount();
      expectProblem(
        await call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id } }),
        403,
        "reaction_not_owned",
      );
      expect(await changeCount()).toBe(before);
      expect((await call(reactionById.GET, "GET", `/reactions/${id}`, { params: { id } })).status).toBe(200);
    });

    it("answers 404 for unknown ids and ids that are not UUIDs", async () => {
      for (const id of [NOWHERE, "nope", "1"]) {
        expectProblem(
          await call(reactionById.GET, "GET", `/reactions/${id}`, { params: { id } }),
          404,
          "reaction_not_found",
        );
        expectProblem(
          await call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id } }),
          404,
          "reaction_not_found",
        );
      }
    });
  });

  describe("reads", () => {
    it("embeds compact reactions, oldest first, without the omitted fields", async () => {
      const { agentMessage } = await thread("ava", 2);
      await call(humanReactions.POST, "POST", `/sandbox/messages/${agentMessage}/reactions`, {
        params: { id: agentMessage },
        body: { operation: "add", type: "sticker", sticker: STICKER, part_index: 1 },
      });
      await send({ message_id: agentMessage, reaction: "like", part_index: 0 });
      await call(humanReactions.POST, "POST", `/sandbox/messages/${agentMessage}/reactions`, {
        params: { id: agentMessage },
        body: { operation: "add", type: "custom", custom_emoji: "😂" },
      });
      const res = await getMessage(agentMessage);
      expect(res.status).toBe(200);
      const message = messageSchema.parse(res.json);
      expect(message.reactions.map((r) => r.reaction)).toEqual(["sticker", "like", "custom"]);
      for (const r of res.json.reactions) {
        compactReactionSchema.parse(r);
        for (const omitted of ["conversation_id", "assignment_id", "target_message_id", "updated_at"]) {
          expect(r).not.toHaveProperty(omitted);
        }
      }
      expect(message.reactions[0]?.sticker).toEqual(STICKER);
    });

    it("lists a conversation's messages oldest first and validates limit", async () => {
      const { conversationId, agentMessage, humanMessage } = await thread();
      const page = await call(conversationMessages.GET, "GET", `/conversations/${conversationId}/messages?limit=1`, {
        params: { id: conversationId },
      });
      expect(page.status).toBe(200);
      expect(messagePageSchema.parse(page.json).data.map((m) => m.id)).toEqual([humanMessage]);
      const older = await call(
        conversationMessages.GET,
        "GET",
        `/conversations/${conversationId}/messages?limit=1&before=${page.json.next_before}`,
        { params: { id: conversationId } },
      );
      expect(older.json.data.map((m: { id: string }) => m.id)).toEqual([agentMessage]);
      for (const bad of ["0", "201", "ten", "1.5"]) {
        const res = await call(
          conversationMessages.GET,
          "GET",
          `/conversations/${conversationId}/messages?limit=${bad}`,
          {
            params: { id: conversationId },
          },
        );
        expect(expectProblem(res, 422, "validation_failed").errors?.[0]?.field).toBe("limit");
      }
    });

    it("lists conversations newest activity first, through every page without repeats", async () => {
      const fresh = await thread();
      const first = await call(conversations.GET, "GET", "/conversations?limit=2");
      expect(first.status).toBe(200);
      const page = conversationPageSchema.parse(first.json);
      expect(page.data[0]?.id).toBe(fresh.conversationId);
      const seen = [...page.data];
      let cursor = page.next_cursor;
      while (cursor) {
        const next = await call(conversations.GET, "GET", `/conversations?limit=2&cursor=${cursor}`);
        expect(next.status).toBe(200);
        seen.push(...next.json.data);
        cursor = next.json.next_cursor;
      }
      const total = await w.t.prisma.conversation.count({ where: { workspaceId: w.scope.workspaceId } });
      expect(new Set(seen.map((c) => c.id)).size).toBe(total);
      expect(seen).toHaveLength(total);
      const times = seen.map((c) => Date.parse(c.last_activity_at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);

      expectProblem(await call(conversations.GET, "GET", "/conversations?cursor=garbage"), 422, "validation_failed");
      const one = await call(conversationById.GET, "GET", `/conversations/${fresh.conversationId}`, {
        params: { id: fresh.conversationId },
      });
      expect(conversationSchema.parse(one.json)).toMatchObject({ id: fresh.conversationId, status: "active" });
    });
  });

  describe("visibility through agent keys", () => {
    it("an agent key sees only its agent's conversations; the rest answers exactly like nothing", async () => {
      const rexKey = await extraKey(w, w.rex.id, "rex only");
      const avas = await thread("ava");
      const rexs = await thread("rex");
      const avaReaction = await send({ message_id: avas.humanMessage, reaction: "love" });

      const listed = await call(conversations.GET, "GET", "/conversations?limit=200", { key: rexKey });
      expect(listed.json.data.length).toBeGreaterThan(0);
      expect(listed.json.data.every((c: { agent_id: string }) => c.agent_id === w.rex.id)).toBe(true);

      const hidden = await getMessage(avas.humanMessage, rexKey);
      const missing = await getMessage(NOWHERE, rexKey);
      expectProblem(hidden, 404, "message_not_found");
      // Byte for byte, but for the request id every problem carries.
      expect(sansInstance(hidden.text)).toBe(sansInstance(missing.text));

      const before = await changeCount();
      const hiddenSend = await send({ message_id: avas.humanMessage, reaction: "like" }, rexKey);
      const missingSend = await send({ message_id: NOWHERE, reaction: "like" }, rexKey);
      expectProblem(hiddenSend, 404, "message_not_found");
      expect(sansInstance(hiddenSend.text)).toBe(sansInstance(missingSend.text));
      expectProblem(
        await operate(avas.humanMessage, { operation: "add", type: "like" }, rexKey),
        404,
        "message_not_found",
      );
      const id = avaReaction.json.id as string;
      expectProblem(
        await call(reactionById.GET, "GET", `/reactions/${id}`, { params: { id }, key: rexKey }),
        404,
        "reaction_not_found",
      );
      expectProblem(
        await call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id }, key: rexKey }),
        404,
        "reaction_not_found",
      );
      expectProblem(
        await call(conversationById.GET, "GET", `/conversations/${avas.conversationId}`, {
          params: { id: avas.conversationId },
          key: rexKey,
        }),
        404,
        "conversation_not_found",
      );
      expect(await changeCount()).toBe(before);

      expect((await send({ message_id: rexs.humanMessage, reaction: "like" }, rexKey)).status).toBe(201);
    });

    it("settings take workspace-wide keys only", async () => {
      const avaKey = await extraKey(w, w.ava.id, "ava only");
      for (const [handler, method, path] of [
        [agents.GET, "GET", "/agents"],
        [contactRules.GET, "GET", "/contact-rules"],
        [apiKeys.GET, "GET", "/api-keys"],
      ] as const) {
        expectProblem(await call(handler, method, path, { key: avaKey }), 403, "workspace_key_required");
      }
      expectProblem(
        await call(apiKeys.POST, "POST", "/api-keys", { key: avaKey, body: { name: "escalate" } }),
        403,
        "workspace_key_required",
      );
    });
  });

  describe("agents", () => {
    it("lists, creates, reads and updates agents", async () => {
      const list = await call(agents.GET, "GET", "/agents");
      expect(agentListSchema.parse(list.json).data.map((a) => a.name)).toEqual(expect.arrayContaining(["Ava", "Rex"]));
      const created = await call(agents.POST, "POST", "/agents", {
        body: { name: "Nia", handle: `nia-${backend}@agents.example.com` },
      });
      expect(created.status).toBe(201);
      const nia = agentSchema.parse(created.json);
      expect(nia).toMatchObject({ imessage_enabled: true, custom_emoji_sends: false });
      const got = await call(agentById.GET, "GET", `/agents/${nia.id}`, { params: { id: nia.id } });
      expect(got.json).toEqual(created.json);
      const patched = await call(agentById.PATCH, "PATCH", `/agents/${nia.id}`, {
        params: { id: nia.id },
        body: { custom_emoji_sends: true, name: "Nia 2" },
      });
      expect(patched.json).toMatchObject({ id: nia.id, custom_emoji_sends: true, name: "Nia 2", handle: nia.handle });

      expectProblem(
        await call(agents.POST, "POST", "/agents", { body: { name: "Dup", handle: nia.handle } }),
        409,
        "agent_handle_taken",
      );
      const bad = expectProblem(
        await call(agents.POST, "POST", "/agents", { body: { name: "", handle: "not a handle", extra: 1 } }),
        422,
        "validation_failed",
      );
      expect(bad.errors?.map((e) => e.field).sort()).toEqual(["extra", "handle", "name"]);
      const handleChange = expectProblem(
        await call(agentById.PATCH, "PATCH", `/agents/${nia.id}`, {
          params: { id: nia.id },
          body: { handle: "+15550000000" },
        }),
        422,
        "validation_failed",
      );
      expect(handleChange.errors).toEqual([{ field: "handle", message: "Unknown field." }]);
      expectProblem(
        await call(agentById.GET, "GET", `/agents/${NOWHERE}`, { params: { id: NOWHERE } }),
        404,
        "agent_not_found",
      );
      expectProblem(
        await call(agentById.PATCH, "PATCH", `/agents/${NOWHERE}`, { params: { id: NOWHERE }, body: {} }),
        404,
        "agent_not_found",
      );
    });
  });

  describe("contact rules", () => {
    it("creates, lists and removes rules; a rule blocks sends and messages to matching numbers", async () => {
      const { humanMessage, remote, conversationId } = await thread();
      const prefix = `${remote.slice(0, 8)}*`;
      const created = await call(contactRules.POST, "POST", "/contact-rules", { body: { pattern: prefix } });
      expect(created.status).toBe(201);
      const rule = contactRuleSchema.parse(created.json);
      expect((await call(contactRules.GET, "GET", "/contact-rules")).json.data).toContainEqual(rule);
      expectProblem(
        await call(contactRules.POST, "POST", "/contact-rules", { body: { pattern: prefix } }),
        409,
        "contact_rule_exists",
      );

      const before = await changeCount();
      expectProblem(await send({ message_id: humanMessage, reaction: "love" }), 403, "contact_blocked");
      expectProblem(
        await call(conversationMessages.POST, "POST", `/conversations/${conversationId}/messages`, {
          params: { id: conversationId },
          body: { parts: [{ text: "hello?" }] },
        }),
        403,
        "contact_blocked",
      );
      expect(await changeCount()).toBe(before);

      const removed = await call(contactRuleById.DELETE, "DELETE", `/contact-rules/${rule.id}`, {
        params: { id: rule.id },
      });
      expect(removed.status).toBe(204);
      expectProblem(
        await call(contactRuleById.DELETE, "DELETE", `/contact-rules/${rule.id}`, { params: { id: rule.id } }),
        404,
        "contact_rule_not_found",
      );
      expect((await send({ message_id: humanMessage, reaction: "love" })).status).toBe(201);

      for (const pattern of ["+1415", "1415555*", "+1*5", "*", "+0123456789", 14155550123]) {
        expectProblem(
          await call(contactRules.POST, "POST", "/contact-rules", { body: { pattern } }),
          422,
          "validation_failed",
        );
      }
    });
  });

  describe("API keys", () => {
    it("creates keys shown once, lists them without secrets, restricts agent keys, and revokes", async () => {
      const created = await call(apiKeys.POST, "POST", "/api-keys", { body: { name: "CI", agent_id: w.rex.id } });
      expect(created.status).toBe(201);
      const key = createdApiKeySchema.parse(created.json);
      expect(key.agent_id).toBe(w.rex.id);
      const stored = await w.t.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(stored.hash).not.toContain(key.key);
      expect(JSON.stringify(stored)).not.toContain(key.key);

      const list = await call(apiKeys.GET, "GET", "/api-keys");
      const listed = apiKeyListSchema.parse(list.json).data;
      expect(listed.map((k) => k.id)).toContain(key.id);
      expect(list.text).not.toContain(key.key);

      const asRex = await call(conversations.GET, "GET", "/conversations", { key: key.key });
      expect(asRex.status).toBe(200);
      expect(asRex.json.data.every((c: { agent_id: string }) => c.agent_id === w.rex.id)).toBe(true);

      const revoked = await call(apiKeyById.DELETE, "DELETE", `/api-keys/${key.id}`, { params: { id: key.id } });
      expect(revoked.status).toBe(204);
      expectProblem(await call(conversations.GET, "GET", "/conversations", { key: key.key }), 401, "unauthorized");
      expect((await call(apiKeys.GET, "GET", "/api-keys")).json.data.map((k: { id: string }) => k.id)).not.toContain(
        key.id,
      );
      expectProblem(
        await call(apiKeyById.DELETE, "DELETE", `/api-keys/${key.id}`, { params: { id: key.id } }),
        404,
        "api_key_not_found",
      );
      expectProblem(
        await call(apiKeys.POST, "POST", "/api-keys", { body: { name: "x", agent_id: NOWHERE } }),
        404,
        "agent_not_found",
      );
      const wide = await call(apiKeys.POST, "POST", "/api-keys", { body: { name: "wide" } });
      expect(wide.json.agent_id).toBeNull();
      expect((await call(agents.GET, "GET", "/agents", { key: wide.json.key })).status).toBe(200);
    });
  });

  describe("the error table, row by row and in order", () => {
    it("401 unauthorized: missing, unknown or malformed key (before anything else)", async () => {
      for (const key of [null, "td_unknown", ""]) {
        expectProblem(await call(reactions.POST, "POST", "/reactions", { key, raw: "{not json" }), 401, "unauthorized");
      }
      expectProblem(
        await call(reactions.POST, "POST", "/reactions", {
          key: null,
          headers: { authorization: "Basic abc" },
          body: {},
        }),
        401,
        "unauthorized",
      );
      expectProblem(await call(conversations.GET, "GET", "/conversations", { key: null }), 401, "unauthorized");
    });

    it("400 invalid_json: the body is not JSON (before validation)", async () => {
      for (const raw of ["{not json", "", "{'a':1}", "\u0000", "[1,]"]) {
        expectProblem(await call(reactions.POST, "POST", "/reactions", { raw }), 400, "invalid_json");
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
        const problem = expectProblem(await send(body), 422, "validation_failed");
        expect(problem.errors?.map((e) => e.field).sort(), JSON.stringify(body)).toEqual(fields);
      }
      const op = expectProblem(
        await operate(humanMessage, { operation: "toggle", type: "love" }),
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
        expectProblem(await send(body), 422, "invalid_reaction");
      }
      expectProblem(await operate(humanMessage, { operation: "add", type: "haha" }), 422, "invalid_reaction");
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
      const agent = await call(agents.POST, "POST", "/agents", {
        body: { name: "Order", handle: `order-${backend}@agents.example.com`, custom_emoji_sends: false },
      });
      const agentId = agent.json.id as string;
      const c = await call(
        (await import("@/app/api/v1/sandbox/conversations/route")).POST,
        "POST",
        "/sandbox/conversations",
        {
          body: { remote_number: "+14445556666", agent_id: agentId },
        },
      );
      expect(c.status).toBe(201);
      const conversationId = c.json.conversation_id as string;
      const assignmentId = c.json.assignment_id as string;
      const msg = await call(inbound.POST, "POST", `/sandbox/conversations/${conversationId}/inbound`, {
        params: { id: conversationId },
        body: { parts: [{ text: "hey" }] },
      });
      const messageId = msg.json.id as string;
      const body = { message_id: messageId, reaction: "love" };

      // All three conditions hold: identity off, blocked, disconnected.
      await call(agentById.PATCH, "PATCH", `/agents/${agentId}`, {
        params: { id: agentId },
        body: { imessage_enabled: false },
      });
      const rule = await call(contactRules.POST, "POST", "/contact-rules", { body: { pattern: "+1444555*" } });
      await call(disconnect.POST, "POST", `/sandbox/assignments/${assignmentId}/disconnect`, {
        params: { id: assignmentId, action: "disconnect" },
      });
      const before = await changeCount();
      expectProblem(await send({ ...body, reaction: "sticker" }), 422, "reaction_not_sendable");
      expectProblem(await send(body), 400, "identity_not_imessage");
      await call(agentById.PATCH, "PATCH", `/agents/${agentId}`, {
        params: { id: agentId },
        body: { imessage_enabled: true },
      });
      expectProblem(await send(body), 403, "contact_blocked");
      await call(contactRuleById.DELETE, "DELETE", `/contact-rules/${rule.json.id}`, { params: { id: rule.json.id } });
      expectProblem(await send(body), 409, "recipient_disconnected");
      expectProblem(await operate(messageId, { operation: "remove", type: "love" }), 409, "recipient_disconnected");
      expect(await changeCount()).toBe(before);
      await call(disconnect.POST, "POST", `/sandbox/assignments/${assignmentId}/reconnect`, {
        params: { id: assignmentId, action: "reconnect" },
      });
      expect((await send(body)).status).toBe(201);
    });

    it("400 message_not_reactable: an outbound message still queued, or failed", async () => {
      const { conversationId, humanMessage } = await thread();
      await call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: "hold" } });
      const held = await call(conversationMessages.POST, "POST", `/conversations/${conversationId}/messages`, {
        params: { id: conversationId },
        body: { parts: [{ text: "held" }] },
      });
      expect(held.json.status).toBe("queued");
      try {
        expectProblem(await send({ message_id: held.json.id, reaction: "love" }), 400, "message_not_reactable");
        // Human messages are never queued: they stay reactable.
        expect((await send({ message_id: humanMessage, reaction: "love" })).status).toBe(201);
      } finally {
        await call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: "ok" } });
      }
      expect((await send({ message_id: held.json.id, reaction: "love" })).status).toBe(201);

      const { agentMessage } = await thread();
      await w.t.prisma.message.update({ where: { id: agentMessage }, data: { status: "failed" } });
      expectProblem(await send({ message_id: agentMessage, reaction: "love" }), 400, "message_not_reactable");
    });

    it("502 upstream_delivery_failed: nothing changed, and the retry succeeds", async () => {
      const { humanMessage } = await thread();
      const live = await send({ message_id: humanMessage, reaction: "love" });
      const before = await changeCount();
      await call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: "fail" } });
      try {
        expectProblem(await send({ message_id: humanMessage, reaction: "laugh" }), 502, "upstream_delivery_failed");
        expectProblem(
          await operate(humanMessage, { operation: "remove", type: "love" }),
          502,
          "upstream_delivery_failed",
        );
        const id = live.json.id as string;
        expectProblem(
          await call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id } }),
          502,
          "upstream_delivery_failed",
        );
      } finally {
        await call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: "ok" } });
      }
      expect(await changeCount()).toBe(before);
      expect((await getMessage(humanMessage)).json.reactions).toMatchObject([{ reaction: "love", sequence: 1 }]);
      const retried = await send({ message_id: humanMessage, reaction: "laugh" });
      expect(retried.json).toMatchObject({ id: live.json.id, reaction: "laugh", sequence: 2 });
    });

    it("413 above the documented body limit, without reading it", async () => {
      const { humanMessage } = await thread();
      const big = JSON.stringify({ message_id: humanMessage, reaction: "love", pad: "x".repeat(70 * 1024) });
      const response = await call(reactions.POST, "POST", "/reactions", { raw: big });
      expectProblem(response, 413, "payload_too_large");
      // The unread rest of the body must not be taken for the next request on the connection.
      expect(response.headers.get("connection")).toBe("close");
    });

    it("405 problem+json with an Allow header for a method a route does not have", async () => {
      const response = await call(reactions.PUT, "PUT", "/reactions", { body: {} });
      expectProblem(response, 405, "method_not_allowed");
      expect(response.headers.get("allow")).toBe("POST");
    });
  });
});
