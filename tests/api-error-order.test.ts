import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as agentById from "@/app/api/v1/agents/[id]/route";
import * as contactRuleById from "@/app/api/v1/contact-rules/[id]/route";
import * as contactRules from "@/app/api/v1/contact-rules/route";
import * as conversationMessages from "@/app/api/v1/conversations/[id]/messages/route";
import * as messageReactions from "@/app/api/v1/messages/[id]/reactions/route";
import * as reactionById from "@/app/api/v1/reactions/[id]/route";
import * as reactions from "@/app/api/v1/reactions/route";
import * as assignmentAction from "@/app/api/v1/sandbox/assignments/[id]/[action]/route";
import * as inbound from "@/app/api/v1/sandbox/conversations/[id]/inbound/route";
import * as humanReactions from "@/app/api/v1/sandbox/messages/[id]/reactions/route";
import * as upstream from "@/app/api/v1/sandbox/upstream/route";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import type { EventType } from "@/lib/webhooks/events";
import { type ApiResponse, type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { rowCounts } from "./helpers/tenants";

/**
 * The error table's orderings that only show when two conditions hold at once, removal by id
 * under every refusal, and "502 changes nothing" with a webhook endpoint listening.
 */
const ALL: EventType[] = ["imessage.reaction_received", "reaction.added", "reaction.removed"];

function expectProblem(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.json?.code }).toEqual({ status, code });
}

describe.each(BACKENDS)("error orderings and refusals on %s", (backend) => {
  let w: ApiWorld;
  const call: ApiWorld["call"] = (...args) => w.call(...args);
  const send = (body: unknown) => call(reactions.POST, "POST", "/reactions", { body });
  const mode = (m: "ok" | "fail" | "hold") => call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: m } });
  const assignment = (id: string, action: "disconnect" | "reconnect") =>
    call(assignmentAction.POST, "POST", `/sandbox/assignments/${id}/${action}`, { params: { id, action } });
  const agentMessage = async (conversationId: string, text = "from the agent") =>
    (
      await call(conversationMessages.POST, "POST", `/conversations/${conversationId}/messages`, {
        params: { id: conversationId },
        body: { parts: [{ text }] },
      })
    ).json;
  const humanMessage = async (conversationId: string) =>
    (
      await call(inbound.POST, "POST", `/sandbox/conversations/${conversationId}/inbound`, {
        params: { id: conversationId },
        body: { parts: [{ text: "from the human" }] },
      })
    ).json.id as string;
  const reactionLive = async (id: string) =>
    (await call(reactionById.GET, "GET", `/reactions/${id}`, { params: { id } })).status === 200;
  const remove = (id: string) => call(reactionById.DELETE, "DELETE", `/reactions/${id}`, { params: { id } });

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
    expect(live.status).toBe(201);
    const counts = await rowCounts(w.t);
    const conversation = () => w.t.prisma.conversation.findUniqueOrThrow({ where: { id: c.conversationId } });
    const before = await conversation();
    await mode("fail");
    try {
      expectProblem(await send({ message_id: human, reaction: "laugh" }), 502, "upstream_delivery_failed");
      // A slot that never had a tapback: not even its slot row may stay behind.
      expectProblem(await send({ message_id: fresh, reaction: "like" }), 502, "upstream_delivery_failed");
      const op = await call(messageReactions.POST, "POST", `/messages/${human}/reactions`, {
        params: { id: human },
        body: { operation: "remove", type: "love" },
      });
      expectProblem(op, 502, "upstream_delivery_failed");
      expectProblem(await remove(live.json.id), 502, "upstream_delivery_failed");
      const message = await call(conversationMessages.POST, "POST", `/conversations/${c.conversationId}/messages`, {
        params: { id: c.conversationId },
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
    expect(await reactionLive(live.json.id)).toBe(true);
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
    ]) {
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
    const mine = (await send({ message_id: message, reaction: "like" })).json.id as string;
    const agentOwn = await agentMessage(c.conversationId);
    const theirs = await call(humanReactions.POST, "POST", `/sandbox/messages/${agentOwn.id}/reactions`, {
      params: { id: agentOwn.id },
      body: { operation: "add", type: "love" },
    });
    const changes = () => w.t.prisma.reactionChange.count({ where: { workspaceId: w.scope.workspaceId } });
    const before = await changes();

    expectProblem(await remove(theirs.json.reaction?.id ?? theirs.json.id), 403, "reaction_not_owned");
    expectProblem(await remove("6f1d1d2e-4a57-4d6b-9b55-2f8c1f0e9a11"), 404, "reaction_not_found");
    expectProblem(await remove("not-a-uuid"), 404, "reaction_not_found");

    const patch = (body: unknown) =>
      call(agentById.PATCH, "PATCH", `/agents/${agentId}`, { params: { id: agentId }, body });
    await patch({ imessage_enabled: false });
    expectProblem(await remove(mine), 400, "identity_not_imessage");
    await patch({ imessage_enabled: true });

    const rule = await call(contactRules.POST, "POST", "/contact-rules", { body: { pattern: c.remote } });
    expectProblem(await remove(mine), 403, "contact_blocked");
    await call(contactRuleById.DELETE, "DELETE", `/contact-rules/${rule.json.id}`, { params: { id: rule.json.id } });

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
    expect((await remove(mine)).status).toBe(204);
    expect(await reactionLive(mine)).toBe(false);
  });
});
