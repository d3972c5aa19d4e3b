import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getMessage, receiveMessage, sendMessage } from "@/lib/messages/service";
import { createConversation, setAssignmentStatus, setUpstreamMode } from "@/lib/sandbox";
import type { Scope } from "@/lib/scope";
import { seedIfEmpty } from "@/lib/seed";
import { react } from "@/lib/tapbacks/service";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";

describe.each(BACKENDS)("tapback service on %s", (backend) => {
  let t: TestDatabase;
  let scope: Scope;
  let conversationId: string;
  let assignmentId: string;
  const agentActor = { type: "api_key" as const, id: "test" };

  beforeAll(async () => {
    t = await freshDatabase(backend);
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    scope = { workspaceId: seeded!.workspaceId };
    const created = await createConversation(t.prisma, scope, { remote_number: "+15550001111" });
    conversationId = created.conversation_id;
    assignmentId = created.assignment_id;
  });
  afterAll(() => t?.dispose());

  async function agentMessage(texts = ["hello", "second part"]) {
    return sendMessage(
      t.prisma,
      scope,
      conversationId,
      texts.map((text) => ({ text })),
    );
  }

  it("adds, replaces in place with sequence + 1, no-ops, removes, and continues the sequence", async () => {
    const msg = await receiveMessage(t.prisma, scope, conversationId, [{ text: "hi" }]);
    const base = { scope, actor: agentActor, side: "agent" as const, messageId: msg.id };
    const added = await react(t.prisma, { ...base, request: { operation: "add", kind: "love" } });
    expect(added.outcome).toBe("added");
    expect(added.reaction).toMatchObject({ reaction: "love", sequence: 1, direction: "outbound", part_index: 0 });

    const replaced = await react(t.prisma, { ...base, request: { operation: "add", kind: "laugh" } });
    expect(replaced.outcome).toBe("replaced");
    expect(replaced.reaction!.id).toBe(added.reaction!.id);
    expect(replaced.reaction!.created_at).toBe(added.reaction!.created_at);
    expect(replaced.reaction!.sequence).toBe(2);
    expect(replaced.previous).toEqual({ kind: "love", customEmoji: null });

    const same = await react(t.prisma, { ...base, request: { operation: "add", kind: "laugh" } });
    expect(same.outcome).toBe("noop");
    expect(same.reaction).toEqual(replaced.reaction);

    const wrongType = await react(t.prisma, { ...base, request: { operation: "remove", kind: "love" } });
    expect(wrongType.outcome).toBe("noop");

    const removed = await react(t.prisma, { ...base, request: { operation: "remove", kind: "laugh" } });
    expect(removed.outcome).toBe("removed");
    expect((await getMessage(t.prisma, scope, msg.id)).reactions).toEqual([]);
    expect((await react(t.prisma, { ...base, request: { operation: "remove" } })).outcome).toBe("noop");

    const again = await react(t.prisma, { ...base, request: { operation: "add", kind: "like" } });
    expect(again.reaction!.id).not.toBe(added.reaction!.id);
    expect(again.reaction!.sequence).toBe(4);

    const audit = await t.prisma.reactionChange.findMany({
      where: { messageId: msg.id },
      orderBy: { sequence: "asc" },
    });
    expect(audit.map((a) => [a.sequence, a.action, a.kind])).toEqual([
      [1, "add", "love"],
      [2, "replace", "laugh"],
      [3, "remove", "laugh"],
      [4, "add", "like"],
    ]);
  });

  it("keeps the human's tapback apart from the agent's, and stickers apart from both", async () => {
    const msg = await agentMessage();
    const human = { scope, actor: { type: "human" as const, id: "x" }, side: "human" as const, messageId: msg.id };
    await react(t.prisma, { ...human, request: { operation: "add", kind: "custom", customEmoji: "🫶🏽" } });
    await react(t.prisma, { ...human, partIndex: 1, request: { operation: "add", kind: "question" } });
    const sticker = { file_name: "s.png", mime_type: "image/png", url: "/s.png", width: 64, height: 64 };
    await react(t.prisma, { ...human, request: { operation: "add", kind: "sticker", sticker } });
    await react(t.prisma, { ...human, request: { operation: "add", kind: "sticker", sticker } });
    await react(t.prisma, {
      scope,
      actor: agentActor,
      side: "agent",
      messageId: msg.id,
      request: { operation: "add", kind: "like" },
    });
    const read = await getMessage(t.prisma, scope, msg.id);
    expect(read.reactions.map((r) => [r.reaction, r.part_index, r.direction])).toEqual([
      ["custom", 0, "inbound"],
      ["question", 1, "inbound"],
      ["sticker", 0, "inbound"],
      ["sticker", 0, "inbound"],
      ["like", 0, "outbound"],
    ]);
    expect(read.reactions[0]).not.toHaveProperty("updated_at");
    expect(read.reactions[0]).not.toHaveProperty("target_message_id");
  });

  it("rejects what the agent may not do, in the error table's order", async () => {
    const msg = await agentMessage(["one"]);
    const base = { scope, actor: agentActor, side: "agent" as const, messageId: msg.id };
    await expect(
      react(t.prisma, { ...base, partIndex: 1, request: { operation: "add", kind: "love" } }),
    ).rejects.toMatchObject({ code: "invalid_part_index" });
    await expect(
      react(t.prisma, { ...base, request: { operation: "add", kind: "custom", customEmoji: "ab" } }),
    ).rejects.toMatchObject({ code: "invalid_reaction" });
    const conv = await t.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    await t.prisma.agent.update({ where: { id: conv.agentId }, data: { customEmojiSends: false } });
    await expect(
      react(t.prisma, { ...base, request: { operation: "add", kind: "custom", customEmoji: "😀" } }),
    ).rejects.toMatchObject({ code: "reaction_not_sendable" });
    await expect(
      react(t.prisma, {
        ...base,
        request: {
          operation: "add",
          kind: "sticker",
          sticker: { file_name: "a.png", mime_type: "image/png", url: "/a.png", width: 1, height: 1 },
        },
      }),
    ).rejects.toMatchObject({ code: "reaction_not_sendable" });
    await t.prisma.agent.update({ where: { id: conv.agentId }, data: { customEmojiSends: true } });
    expect(
      (await react(t.prisma, { ...base, request: { operation: "add", kind: "custom", customEmoji: "😀" } })).outcome,
    ).toBe("added");
    await react(t.prisma, { ...base, request: { operation: "remove" } });
    await expect(
      react(t.prisma, {
        ...base,
        messageId: "00000000-0000-4000-8000-000000000000",
        request: { operation: "add", kind: "love" },
      }),
    ).rejects.toMatchObject({ code: "message_not_found" });
    await setAssignmentStatus(t.prisma, scope, assignmentId, "disconnected");
    await expect(react(t.prisma, { ...base, request: { operation: "add", kind: "love" } })).rejects.toMatchObject({
      code: "recipient_disconnected",
    });
    await setAssignmentStatus(t.prisma, scope, assignmentId, "active");

    await setUpstreamMode(t.prisma, scope, { mode: "hold" });
    const held = await agentMessage(["held"]);
    expect(held.status).toBe("queued");
    await expect(
      react(t.prisma, { ...base, messageId: held.id, request: { operation: "add", kind: "love" } }),
    ).rejects.toMatchObject({ code: "message_not_reactable" });
    await setUpstreamMode(t.prisma, scope, { mode: "ok" });
    expect((await getMessage(t.prisma, scope, held.id)).status).toBe("delivered");

    await setUpstreamMode(t.prisma, scope, { mode: "fail" });
    await expect(react(t.prisma, { ...base, request: { operation: "add", kind: "love" } })).rejects.toMatchObject({
      code: "upstream_delivery_failed",
      status: 502,
    });
    await setUpstreamMode(t.prisma, scope, { mode: "ok" });
    expect((await getMessage(t.prisma, scope, msg.id)).reactions).toEqual([]);
    // add + remove of the custom emoji above; the failed send left no trace.
    expect(await t.prisma.reactionChange.count({ where: { messageId: msg.id } })).toBe(2);
  });

  it("leaves exactly one live tapback and a gapless sequence after 200 simultaneous sends on one slot", async () => {
    const msg = await agentMessage(["race"]);
    const kinds = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        react(t.prisma, {
          scope,
          actor: agentActor,
          side: "agent",
          messageId: msg.id,
          request: i % 7 === 6 ? { operation: "remove" } : { operation: "add", kind: kinds[i % 6]! },
        }),
      ),
    );
    const live = await t.prisma.reaction.findMany({ where: { messageId: msg.id } });
    const changes = results.filter((r) => r.outcome !== "noop").length;
    const audit = await t.prisma.reactionChange.findMany({
      where: { messageId: msg.id },
      orderBy: { sequence: "asc" },
    });
    expect(live.length).toBeLessThanOrEqual(1);
    expect(audit.map((a) => a.sequence)).toEqual(Array.from({ length: changes }, (_, i) => i + 1));
    const slot = await t.prisma.reactionSlot.findFirstOrThrow({ where: { messageId: msg.id } });
    expect(slot.sequence).toBe(changes);
    const last = audit.at(-1)!;
    expect(live.length).toBe(last.action === "remove" ? 0 : 1);
    if (live[0]) expect(live[0].kind).toBe(last.kind);
  });
});
