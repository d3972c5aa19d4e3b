import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reactionPreview } from "@/lib/conversations/preview";
import { inboxView } from "@/lib/conversations/view";
import { receiveMessage, sendMessage } from "@/lib/messages/service";
import { humanReact } from "@/lib/sandbox";
import { type ApiWorld, apiWorld } from "./helpers/api";

/** The inbox row shows the latest activity, as Messages does: the preview and the time of the same thing. */
describe("the inbox row's preview and time", () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld("pglite");
  });
  afterAll(async () => w?.dispose());

  const row = async (id: string) =>
    (await inboxView(w.t.prisma, w.scope, randomUUID())).conversations.find((c) => c.id === id)!;

  it("is the tapback when a tapback is the latest activity, and the message again after a new one", async () => {
    const c = await w.newConversation();
    await receiveMessage(w.t.prisma, w.scope, c.conversationId, [{ text: "Is it shipping today?" }]);
    const asked = await sendMessage(w.t.prisma, w.scope, c.conversationId, [
      { text: "Anything else I can help with? Happy to check the tracking for you any time." },
    ]);
    expect((await row(c.conversationId)).snippet).toBe(
      "Anything else I can help with? Happy to check the tracking for you any time.",
    );

    await humanReact(w.t.prisma, w.scope, asked.id, { operation: "add", type: "like" });
    const liked = await w.t.prisma.reaction.findFirstOrThrow({ where: { messageId: asked.id } });
    const afterLike = await row(c.conversationId);
    expect(afterLike.snippet).toBe("Liked “Anything else I can help with? Happy to check the tracking…”");
    expect(afterLike.lastActivityAt).toBe(liked.updatedAt.toISOString());

    const reply = await receiveMessage(w.t.prisma, w.scope, c.conversationId, [{ text: "No, all good!" }]);
    const afterReply = await row(c.conversationId);
    expect(afterReply.snippet).toBe("No, all good!");
    expect(afterReply.lastActivityAt).toBe(reply.created_at);

    const sent = await w.api.POST("/reactions", { body: { message_id: reply.id, reaction: "love" } });
    expect(sent.response.status).toBe(201);
    const afterLove = await row(c.conversationId);
    expect(afterLove.snippet).toBe("Ava loved “No, all good!”");
    expect(afterLove.lastActivityAt).toBe(sent.data!.updated_at);
  });

  it("names a custom emoji, a sticker and an attachment", () => {
    const at = new Date();
    const text = { type: "text", text: "See you at 8", attachmentFileName: null };
    expect(reactionPreview({ kind: "custom", customEmoji: "🎉", direction: "inbound", part: text, at }, "Ava")).toBe(
      "Reacted 🎉 to “See you at 8”",
    );
    expect(reactionPreview({ kind: "sticker", customEmoji: null, direction: "inbound", part: text, at }, "Ava")).toBe(
      "Put a sticker on “See you at 8”",
    );
    const file = { type: "attachment", text: null, attachmentFileName: "lamp.jpg" };
    expect(reactionPreview({ kind: "laugh", customEmoji: null, direction: "outbound", part: file, at }, "Rex")).toBe(
      "Rex laughed at an attachment (lamp.jpg)",
    );
  });
});
