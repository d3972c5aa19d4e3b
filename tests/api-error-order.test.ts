import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import type { EventType } from "@/lib/webhooks/events";
import { expectProblem, type Schemas } from "./helpers/answers";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { rowCounts } from "./helpers/tenants";

/**
 * The error table's orderings that only show when two conditions hold at once, removal by id
 * under every refusal, and "502 changes nothing" with a webhook endpoint listening.
 */
const ALL: EventType[] = ["imessage.reaction_received", "reaction.added", "reaction.removed"];

describe.each(BACKENDS)("error orderings and refusals on %s", (backend) => {
  let w: ApiWorld;
  const send = (body: Schemas["SendReactionRequest"]) => w.api.POST("/reactions", { body });
  const mode = (m: "ok" | "fail" | "hold") => w.api.PUT("/sandbox/upstream", { body: { mode: m } });
  const assignment = (id: string, action: "disconnect" | "reconnect") =>
    w.api.POST(`/sandbox/assignments/{id}/${action}`, { params: { path: { id } } });
  const agentMessage = async (conversationId: string, text = "from the agent") =>
    (
      await w.api.POST("/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text }] },
      })
    ).data!;
  const humanMessage = async (conversationId: string) =>
    (
      await w.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "from the human" }] },
      })
    ).data!.id;
  const reactionLive = async (id: string) =>
    (await w.api.GET("/reactions/{id}", { params: { path: { id } } })).response.status === 200;
  const remove = (id: string) => w.api.DELETE("/reactions/{id}", { params: { path: { id } } });

  beforeAll(async () => {
    w = await apiWorld(backend);
    await createEndpoint(w.t.prisma, w.scope, { url: "http://127.0.0.1:9/hooks", events: ALL }, { allowPrivate: true });
  });
  afterAll(() => w?.dispose());

  it("502 with a subscribed endpoint writes no change, event, delivery, slot or version", async () => {
    const c = await w.newConversation();
    const human = await humanMessage(c.conversationId);
    const fresh = await humanMessage(c.conversationId);
    const live = await send({ message_id: human, reaction: "love" });
    expect(live.response.status).toBe(201);
    const counts = await rowCounts(w.t);
    const conversation = () => w.t.prisma.conversation.findUniqueOrThrow({ where: { id: c.conversationId } });
    const before = await conversation();
    await mode("fail");
    try {
      expectProblem(await send({ message_id: human, reaction: "laugh" }), 502, "upstream_delivery_failed");
      // A slot that never had a tapback: not even its slot row may stay behind.
      expectProblem(await send({ message_id: fresh, reaction: "like" }), 502, "upstream_delivery_failed");
      const op = await w.api.POST("/messages/{id}/reactions", {
        params: { path: { id: human } },
        body: { operation: "remove", type: "love" },
      });
      expectProblem(op, 502, "upstream_delivery_failed");
      expectProblem(await remove(live.data!.id), 502, "upstream_delivery_failed");
      const message = await w.api.POST("/conversations/{id}/messages", {
        params: { path: { id: c.conversationId } },
        body: { parts: [{ text: "never sent" }] },
      });
      expectProblem(message, 502, "upstream_delivery_failed");
    } finally {
      await mode("ok");
    }
    expect(await rowCounts(w.t)).toEqual(counts);
    const after = await conversation();
    expect({ version: after.version, lastActivityAt: after.lastActivityAt }).toEqual({
      version: before.version,
      lastActivityAt: before.lastActivityAt,
    });
    expect(await reactionLive(live.data!.id)).toBe(true);
  });

  it("409 recipient_disconnected wins over 400 message_not_reactable", async () => {
    const c = await w.newConversation();
    await mode("hold");
    try {
      const held = await agentMessage(c.conversationId, "held");
      expect(held.status).toBe("queued");
      await assignment(c.assignmentId, "disconnect");
      expectProblem(await send({ message_id: held.id, reaction: "love" }), 409, "recipient_disconnected");
      await assignment(c.assignmentId, "reconnect");
      expectProblem(await send({ message_id: held.id, reaction: "love" }), 400, "message_not_reactable");
    } finally {
      await mode("ok");
    }
  });

  it("400 message_not_reactable wins over 502 upstream_delivery_failed", async () => {
    const c = await w.newConversation();
    await mode("hold");
    const held = await agentMessage(c.conversationId, "held");
    await mode("fail");
    try {
      const counts = await rowCounts(w.t);
      expectProblem(await send({ message_id: held.id, reaction: "love" }), 400, "message_not_reactable");
      expect(await rowCounts(w.t)).toEqual(counts);
    } finally {
      await mode("ok");
    }
  });

  it("422 invalid_part_index (a part beyond the message's) wins over 422 reaction_not_sendable", async () => {
    const c = await w.newConversation("rex");
    const message = await humanMessage(c.conversationId);
    for (const body of [
      { message_id: message, reaction: "custom", custom_emoji: "😀", part_index: 3 },
      { message_id: message, reaction: "sticker", part_index: 1 },
    ] as const) {
      expectProblem(await send(body), 422, "invalid_part_index");
    }
    expectProblem(
      await send({ message_id: message, reaction: "custom", custom_emoji: "😀" }),
      422,
      "reaction_not_sendable",
    );
  });

  it("DELETE /reactions/{id} under each refusal answers its code and leaves the tapback live", async () => {
    const agentId = w.ava.id;
    const c = await w.newConversation();
    const message = await humanMessage(c.conversationId);
    const mine = (await send({ message_id: message, reaction: "like" })).data!.id;
    const agentOwn = await agentMessage(c.conversationId);
    const theirs = await w.api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: agentOwn.id } },
      body: { operation: "add", type: "love" },
    });
    const changes = () => w.t.prisma.reactionChange.count({ where: { workspaceId: w.scope.workspaceId } });
    const before = await changes();

    expect(theirs.response.status).toBe(201);
    expectProblem(await remove((theirs.data as Schemas["Reaction"]).id), 403, "reaction_not_owned");
    expectProblem(await remove("6f1d1d2e-4a57-4d6b-9b55-2f8c1f0e9a11"), 404, "reaction_not_found");
    expectProblem(await remove("not-a-uuid"), 404, "reaction_not_found");

    const patch = (body: Schemas["UpdateAgentRequest"]) =>
      w.api.PATCH("/agents/{id}", { params: { path: { id: agentId } }, body });
    await patch({ imessage_enabled: false });
    expectProblem(await remove(mine), 400, "identity_not_imessage");
    await patch({ imessage_enabled: true });

    const rule = await w.api.POST("/contact-rules", { body: { pattern: c.remote } });
    expectProblem(await remove(mine), 403, "contact_blocked");
    await w.api.DELETE("/contact-rules/{id}", { params: { path: { id: rule.data!.id } } });

    await assignment(c.assignmentId, "disconnect");
    expectProblem(await remove(mine), 409, "recipient_disconnected");
    await assignment(c.assignmentId, "reconnect");

    await mode("fail");
    try {
      expectProblem(await remove(mine), 502, "upstream_delivery_failed");
    } finally {
      await mode("ok");
    }

    expect(await reactionLive(mine)).toBe(true);
    expect(await changes()).toBe(before);
    expect((await remove(mine)).response.status).toBe(204);
    expect(await reactionLive(mine)).toBe(false);
  });
});
