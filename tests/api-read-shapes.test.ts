import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/api/openapi";
import { messagePageSchema, messageSchema } from "@/lib/messages/schemas";
import type { Schemas } from "./helpers/answers";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

// SPEC §3 "Both vendors' read shapes": the message-level `reactions` array and, on each part,
// Linq's `value` and `reactions[]` with a `handle` object, from the same rows.

const STICKER = {
  file_name: "sticker-abc123.png",
  mime_type: "image/png",
  url: "https://cdn.example.test/sticker-abc123.png",
  width: 320,
  height: 320,
};
const ATTACHMENT = { url: "https://files.example.test/menu.pdf", mime_type: "application/pdf", file_name: "menu.pdf" };

describe.each(BACKENDS)("Linq's per-part reactions beside the message-level array on %s", (backend) => {
  let w: ApiWorld;

  beforeAll(async () => {
    w = await apiWorld(backend);
  });
  afterAll(() => w?.dispose());

  const getMessage = (id: string) => w.api.GET("/messages/{id}", { params: { path: { id } } });
  const listMessages = (conversationId: string) =>
    w.api.GET("/conversations/{id}/messages", { params: { path: { id: conversationId } } });
  const humanReacts = (messageId: string, body: Schemas["HumanReactionRequest"]) =>
    w.api.POST("/sandbox/messages/{id}/reactions", { params: { path: { id: messageId } }, body });

  /** The agent's two-text-part message with an attachment, and the human's three reactions and the agent's one. */
  async function reactedThread() {
    const c = await w.newConversation("ava");
    const sent = await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "Table for two at 8?" }, { text: "Or 9 if that suits" }, { attachment: ATTACHMENT }] },
    });
    expect(sent.response.status).toBe(201);
    const messageId = sent.data!.id;
    expect(
      (await humanReacts(messageId, { operation: "add", type: "sticker", sticker: STICKER, part_index: 1 })).response
        .status,
    ).toBe(201);
    expect(
      (await humanReacts(messageId, { operation: "add", type: "custom", custom_emoji: "😍", part_index: 0 })).response
        .status,
    ).toBe(201);
    const like = await w.api.POST("/reactions", { body: { message_id: messageId, reaction: "like", part_index: 1 } });
    expect(like.response.status).toBe(201);
    const assignment = await w.t.prisma.assignment.findUniqueOrThrow({ where: { id: c.assignmentId } });
    return { ...c, sent: sent.data!, messageId, joinedAt: assignment.createdAt.toISOString() };
  }

  it("a send's answer carries value on each part (null for an attachment) and empty per-part arrays", async () => {
    const c = await w.newConversation("ava");
    const sent = await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "hello" }, { attachment: ATTACHMENT }] },
    });
    expect(sent.response.status).toBe(201);
    expect(messageSchema.parse(sent.data).parts).toEqual([
      { index: 0, type: "text", text: "hello", value: "hello", reactions: [] },
      { index: 1, type: "attachment", attachment: ATTACHMENT, value: null, reactions: [] },
    ]);
    const inbound = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "hi back" }] },
    });
    expect(inbound.data!.parts).toEqual([{ index: 0, type: "text", text: "hi back", value: "hi back", reactions: [] }]);
  });

  it("GET /messages/{id}: the message-level array of 3 and each part's reactions in Linq's shape, oldest first", async () => {
    const t = await reactedThread();
    const res = await getMessage(t.messageId);
    expect(res.response.status).toBe(200);
    const message = messageSchema.parse(res.data);

    expect(message.reactions.map((r) => [r.reaction, r.part_index, r.direction])).toEqual([
      ["sticker", 1, "inbound"],
      ["custom", 0, "inbound"],
      ["like", 1, "outbound"],
    ]);

    const human = {
      id: t.assignmentId,
      handle: t.remote,
      is_me: false,
      service: "iMessage",
      status: "active",
      joined_at: t.joinedAt,
      left_at: null,
    };
    const agent = {
      id: w.ava.id,
      handle: w.ava.handle,
      is_me: true,
      service: "iMessage",
      status: "active",
      joined_at: t.joinedAt,
      left_at: null,
    };
    expect(message.parts).toEqual([
      {
        index: 0,
        type: "text",
        text: "Table for two at 8?",
        value: "Table for two at 8?",
        reactions: [{ type: "custom", is_me: false, custom_emoji: "😍", sticker: null, handle: human }],
      },
      {
        index: 1,
        type: "text",
        text: "Or 9 if that suits",
        value: "Or 9 if that suits",
        reactions: [
          { type: "sticker", is_me: false, custom_emoji: null, sticker: STICKER, handle: human },
          { type: "like", is_me: true, custom_emoji: null, sticker: null, handle: agent },
        ],
      },
      { index: 2, type: "attachment", attachment: ATTACHMENT, value: null, reactions: [] },
    ]);

    // The conversation's list carries the very same message object.
    const page = await listMessages(t.conversationId);
    expect(page.response.status).toBe(200);
    expect(messagePageSchema.parse(page.data).data.find((m) => m.id === t.messageId)).toEqual(message);
  });

  it("a removal empties the part's array on the next read; a replacement changes it in place", async () => {
    const t = await reactedThread();
    const removed = await humanReacts(t.messageId, {
      operation: "remove",
      type: "custom",
      custom_emoji: "😍",
      part_index: 0,
    });
    expect(removed.response.status).toBe(200);
    let message = (await getMessage(t.messageId)).data!;
    expect(message.parts[0]!.reactions).toEqual([]);
    expect(message.reactions).toHaveLength(2);

    const unliked = await w.api.POST("/messages/{id}/reactions", {
      params: { path: { id: t.messageId } },
      body: { operation: "remove", type: "like", part_index: 1 },
    });
    expect(unliked.data).toEqual({ removed: true });
    message = (await getMessage(t.messageId)).data!;
    expect(message.parts[1]!.reactions.map((r) => [r.type, r.is_me])).toEqual([["sticker", false]]);

    // The agent's tapback on part 0 replaced: one entry, the new kind.
    await w.api.POST("/reactions", { body: { message_id: t.messageId, reaction: "love", part_index: 0 } });
    await w.api.POST("/reactions", { body: { message_id: t.messageId, reaction: "laugh", part_index: 0 } });
    const page = await listMessages(t.conversationId);
    const listed = page.data!.data.find((m) => m.id === t.messageId)!;
    expect(listed.parts[0]!.reactions.map((r) => [r.type, r.is_me])).toEqual([["laugh", true]]);
    expect(listed.parts[1]!.reactions.map((r) => r.type)).toEqual(["sticker"]);
  });

  it("the human's handle is `left` with left_at once their assignment disconnects, and active again on reconnect", async () => {
    const t = await reactedThread();
    const off = await w.api.POST("/sandbox/assignments/{id}/disconnect", { params: { path: { id: t.assignmentId } } });
    expect(off.response.status).toBe(200);
    const assignment = await w.t.prisma.assignment.findUniqueOrThrow({ where: { id: t.assignmentId } });
    expect(assignment.disconnectedAt).not.toBeNull();
    const message = (await getMessage(t.messageId)).data!;
    const handles = message.parts[1]!.reactions.map((r) => r.handle);
    expect(handles[0]).toMatchObject({
      id: t.assignmentId,
      is_me: false,
      status: "left",
      joined_at: t.joinedAt,
      left_at: assignment.disconnectedAt!.toISOString(),
    });
    expect(handles[1]).toMatchObject({ id: w.ava.id, is_me: true, status: "active", left_at: null });

    const on = await w.api.POST("/sandbox/assignments/{id}/reconnect", { params: { path: { id: t.assignmentId } } });
    expect(on.response.status).toBe(200);
    const again = (await getMessage(t.messageId)).data!;
    expect(again.parts[0]!.reactions[0]!.handle).toMatchObject({ status: "active", left_at: null });
  });
});

describe("the API document", () => {
  it("describes the per-part reaction and its handle, is_me and joined_at included", () => {
    interface Property {
      description?: string;
      format?: string;
      $ref?: string;
      items?: Property;
    }
    interface ObjectSchema {
      required: string[];
      properties: Record<string, Property>;
    }
    const schemas = (openApiDocument() as unknown as { components: { schemas: Record<string, ObjectSchema> } })
      .components.schemas;
    const part = schemas.MessagePart!;
    expect(part.required).toEqual(expect.arrayContaining(["value", "reactions"]));
    expect(part.properties.reactions?.items?.$ref).toBe("#/components/schemas/PartReaction");
    const reaction = schemas.PartReaction!;
    expect(reaction.required).toEqual(expect.arrayContaining(["type", "is_me", "custom_emoji", "sticker", "handle"]));
    expect(reaction.properties.is_me?.description).toMatch(/agent/);
    const handle = schemas.ChatHandle!;
    expect(handle.required).toEqual(
      expect.arrayContaining(["id", "handle", "is_me", "service", "status", "joined_at", "left_at"]),
    );
    expect(handle.properties.is_me?.description).toMatch(/agent/);
    expect(handle.properties.joined_at?.description).toMatch(/joined/);
    expect(handle.properties.joined_at?.format).toBe("date-time");
  });
});
