import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reactionChangePageSchema } from "@/lib/audit/schemas";
import { addOperator } from "@/lib/operators/service";
import { react } from "@/lib/tapbacks/service";
import type { Schemas } from "./helpers/answers";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

const STICKER = { file_name: "s.png", mime_type: "image/png", url: "https://x.test/s.png", width: 64, height: 64 };

describe.each(BACKENDS)("GET /messages/{id}/reaction-changes on %s", (backend) => {
  let w: ApiWorld;
  let messageId = "";
  let remote = "";
  let supportKey = "";
  let operatorEmail = "";

  beforeAll(async () => {
    w = await apiWorld(backend);
    const c = await w.newConversation("ava");
    remote = c.remote;
    const human = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "hello" }, { text: "second part" }] },
    });
    expect(human.response.status).toBe(201);
    messageId = human.data!.id;
    supportKey = await extraKey(w, null, "Support bot");
    const op = await addOperator(w.t.prisma, w.scope, { email: "ops@example.com", role: "member" });
    operatorEmail = op.email;

    const message = { params: { path: { id: messageId } } };
    const agent = async (body: Schemas["ReactionOperationRequest"]) =>
      (await w.as(supportKey).POST("/messages/{id}/reactions", { ...message, body })).response.status;
    const person = async (body: Schemas["HumanReactionRequest"]) =>
      (await w.api.POST("/sandbox/messages/{id}/reactions", { ...message, body })).response.status;
    // The agent's slot on part 0: add, replace, remove, add again (from the dashboard).
    expect(await agent({ operation: "add", type: "like" })).toBe(201);
    expect(await agent({ operation: "add", type: "love" })).toBe(201);
    expect(await agent({ operation: "remove", type: "love" })).toBe(200);
    await react(w.t.prisma, {
      scope: w.scope,
      actor: { type: "operator", id: op.id },
      side: "agent",
      messageId,
      partIndex: 0,
      request: { operation: "add", kind: "laugh" },
    });
    // The human on part 1: a tapback and a sticker (a slot of its own).
    expect(await person({ operation: "add", type: "question", part_index: 1 })).toBe(201);
    expect(await person({ operation: "add", type: "sticker", sticker: STICKER, part_index: 1 })).toBe(201);
  });
  afterAll(() => w?.dispose());

  const list = (query: { limit?: number; cursor?: string } = {}, key?: string | null) =>
    (key === undefined ? w.api : w.as(key)).GET("/messages/{id}/reaction-changes", {
      params: { path: { id: messageId }, query },
    });

  it("returns every change of every slot, oldest first, with its sequence and its actor by name", async () => {
    const res = await list();
    expect(res.response.status).toBe(200);
    const page = reactionChangePageSchema.parse(res.data);
    expect(page.next_cursor).toBeNull();
    expect(
      page.data.map((c) => [c.part_index, c.action, c.reaction, c.previous?.reaction ?? null, c.sequence, c.actor]),
    ).toEqual([
      [0, "add", "like", null, 1, { type: "api_key", id: expect.any(String), name: "Support bot" }],
      [0, "replace", "love", "like", 2, { type: "api_key", id: expect.any(String), name: "Support bot" }],
      [0, "remove", "love", null, 3, { type: "api_key", id: expect.any(String), name: "Support bot" }],
      [0, "add", "laugh", null, 4, { type: "operator", id: expect.any(String), name: operatorEmail }],
      [1, "add", "question", null, 1, { type: "human", id: expect.any(String), name: remote }],
      [1, "add", "sticker", null, 1, { type: "human", id: expect.any(String), name: remote }],
    ]);
    expect(page.data[5]?.sticker).toEqual(STICKER);
    // The agent's slot is one slot across the removal; the sticker has one of its own.
    expect(new Set(page.data.slice(0, 4).map((c) => c.slot_id)).size).toBe(1);
    expect(page.data[4]?.slot_id).not.toBe(page.data[5]?.slot_id);
  });

  it("pages with a cursor: the pages together are the whole trail, in order, without repeats", async () => {
    const all = reactionChangePageSchema.parse((await list()).data).data.map((c) => c.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list({ limit: 4, ...(cursor ? { cursor } : {}) });
      expect(res.response.status).toBe(200);
      const page = reactionChangePageSchema.parse(res.data);
      expect(page.data.length).toBeLessThanOrEqual(4);
      seen.push(...page.data.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it("is visible only to keys that can see the message", async () => {
    const avaKey = await extraKey(w, w.ava.id, "Ava only");
    const rexKey = await extraKey(w, w.rex.id, "Rex only");
    expect((await list({}, avaKey)).response.status).toBe(200);
    const hidden = await list({}, rexKey);
    expect({ status: hidden.response.status, code: hidden.error?.code }).toEqual({
      status: 404,
      code: "message_not_found",
    });
    expect((await list({}, null)).response.status).toBe(401);
  });

  it("refuses a cursor it did not issue and a limit out of range, naming the parameter", async () => {
    const bad = await list({ cursor: "not-a-cursor" });
    expect(bad.response.status).toBe(422);
    expect(bad.error!.errors).toEqual([expect.objectContaining({ field: "cursor" })]);
    const limit = await list({ limit: 500 });
    expect(limit.response.status).toBe(422);
    expect(limit.error!.errors).toEqual([expect.objectContaining({ field: "limit" })]);
  });

  it("answers 404 for a message that does not exist", async () => {
    const res = await w.api.GET("/messages/{id}/reaction-changes", {
      params: { path: { id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30" } },
    });
    expect(res.response.status).toBe(404);
  });
});
