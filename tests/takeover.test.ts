import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handBack, takeOver } from "@/lib/conversations/takeover";
import { inboxView, markRead, threadView } from "@/lib/conversations/view";
import { sendMessage } from "@/lib/messages/service";
import { react } from "@/lib/tapbacks/service";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { expectProblem } from "./helpers/answers";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * Take over (SPEC §11): while an operator holds a conversation, every send as its agent that
 * does not come from an operator answers 409 conversation_taken_over, in its place in the error
 * table; the operator's own sends still work; both changes are audited and go out as webhooks.
 */
describe.each(BACKENDS)("take over on %s", (backend) => {
  let w: ApiWorld;
  let receiver: Receiver;
  type Operator = { id: string; email: string };
  let owner: Operator;
  let member: Operator;
  const send = (message_id: string, reaction: "love" | "like" = "like") =>
    w.api.POST("/reactions", { body: { message_id, reaction } });
  const operate = (id: string, operation: "add" | "remove", type: "love" | "like" = "like") =>
    w.api.POST("/messages/{id}/reactions", { params: { path: { id } }, body: { operation, type } });
  const agentMessage = (conversationId: string, text = "from the agent") =>
    w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text }] },
    });
  const humanMessage = async (conversationId: string) =>
    (
      await w.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "from the human" }] },
      })
    ).data!.id;
  const mode = (m: "ok" | "fail" | "hold") => w.api.PUT("/sandbox/upstream", { body: { mode: m } });

  beforeAll(async () => {
    w = await apiWorld(backend);
    receiver = await startReceiver();
    const seeded = await w.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: w.scope.workspaceId } });
    owner = { id: seeded.id, email: seeded.email };
    const created = await w.t.prisma.operator.create({
      data: {
        workspaceId: w.scope.workspaceId,
        email: `member-${backend}-${Date.now()}@takeover.test`,
        name: "Member",
        passwordHash: "unused",
        role: "member",
      },
    });
    member = { id: created.id, email: created.email };
  });
  afterAll(async () => {
    await receiver?.close();
    await w?.dispose();
  });

  it("refuses the agent's tapbacks (both forms, and removal by id) and messages with who and since when", async () => {
    const c = await w.newConversation();
    const human = await humanMessage(c.conversationId);
    const liked = await send(human);
    expect(liked.response.status).toBe(201);

    const taken = await takeOver(w.t.prisma, w.scope, owner, c.conversationId);
    expect(taken.changed).toBe(true);
    const at = taken.takenOver!.at.toISOString();

    const problem = expectProblem(await send(human, "love"), 409, "conversation_taken_over");
    expect(problem).toMatchObject({ taken_over_by: { id: owner.id, email: owner.email }, taken_over_at: at });
    expect(problem.detail).toContain(owner.email);
    expectProblem(await operate(human, "add", "love"), 409, "conversation_taken_over");
    expectProblem(await operate(human, "remove"), 409, "conversation_taken_over");
    expectProblem(
      await w.api.DELETE("/reactions/{id}", { params: { path: { id: liked.data!.id } } }),
      409,
      "conversation_taken_over",
    );
    const refused = expectProblem(await agentMessage(c.conversationId), 409, "conversation_taken_over");
    expect(refused).toMatchObject({ taken_over_by: { email: owner.email }, taken_over_at: at });
    // Nothing changed: the agent's Like is still the live one.
    const message = await w.api.GET("/messages/{id}", { params: { path: { id: human } } });
    expect(message.data!.reactions.map((r) => r.reaction)).toEqual(["like"]);

    // The conversation object says so too.
    const read = await w.api.GET("/conversations/{id}", { params: { path: { id: c.conversationId } } });
    expect(read.data!.taken_over).toEqual({ operator: owner, at });

    await handBack(w.t.prisma, w.scope, owner, c.conversationId);
    const back = await send(human, "love");
    expect(back.response.status).toBe(201);
    expect((await agentMessage(c.conversationId)).response.status).toBe(201);
    const after = await w.api.GET("/conversations/{id}", { params: { path: { id: c.conversationId } } });
    expect(after.data!.taken_over).toBeNull();
  });

  it("still lets operators (the dashboard) reply and tapback as the agent", async () => {
    const c = await w.newConversation();
    const human = await humanMessage(c.conversationId);
    await takeOver(w.t.prisma, w.scope, member, c.conversationId);
    for (const operator of [member, owner]) {
      const result = await react(w.t.prisma, {
        scope: w.scope,
        actor: { type: "operator", id: operator.id },
        side: "agent",
        messageId: human,
        request: { operation: "add", kind: operator === member ? "love" : "laugh" },
      });
      expect(result.outcome).not.toBe("noop");
      const reply = await sendMessage(w.t.prisma, w.scope, c.conversationId, [{ text: "a human here" }], {
        type: "operator",
        id: operator.id,
      });
      expect(reply.direction).toBe("outbound");
    }
    // The human's own changes are not the agent's sends.
    const humanReacted = await w.api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: human } },
      body: { operation: "add", type: "question" },
    });
    expect(humanReacted.response.status).toBe(201);
    await handBack(w.t.prisma, w.scope, member, c.conversationId);
  });

  it("answers in the error table's order: after recipient_disconnected, before message_not_reactable", async () => {
    const c = await w.newConversation();
    // Held: the message stays queued (not reactable) until the mode is ok again.
    await mode("hold");
    try {
      const held = (await agentMessage(c.conversationId, "held")).data!.id;
      expectProblem(await send(held), 400, "message_not_reactable");
      await takeOver(w.t.prisma, w.scope, owner, c.conversationId);
      expectProblem(await send(held), 409, "conversation_taken_over");
      await w.api.POST("/sandbox/assignments/{id}/disconnect", { params: { path: { id: c.assignmentId } } });
      expectProblem(await send(held), 409, "recipient_disconnected");
      expectProblem(await agentMessage(c.conversationId), 409, "recipient_disconnected");
      await w.api.POST("/sandbox/assignments/{id}/reconnect", { params: { path: { id: c.assignmentId } } });
      expectProblem(await send(held), 409, "conversation_taken_over");
    } finally {
      await mode("ok");
      await handBack(w.t.prisma, w.scope, owner, c.conversationId);
    }
  });

  it("takes over once: again by the same operator changes nothing, by another is refused naming the holder", async () => {
    const c = await w.newConversation();
    expect((await takeOver(w.t.prisma, w.scope, owner, c.conversationId)).changed).toBe(true);
    expect((await takeOver(w.t.prisma, w.scope, owner, c.conversationId)).changed).toBe(false);
    await expect(takeOver(w.t.prisma, w.scope, member, c.conversationId)).rejects.toThrow(owner.email);
    expect((await handBack(w.t.prisma, w.scope, member, c.conversationId)).changed).toBe(true);
    expect((await handBack(w.t.prisma, w.scope, member, c.conversationId)).changed).toBe(false);
    const trail = await w.t.prisma.conversationHandoff.findMany({
      where: { conversationId: c.conversationId },
      orderBy: { createdAt: "asc" },
    });
    expect(trail.map((h) => [h.action, h.operatorId])).toEqual([
      ["take_over", owner.id],
      ["hand_back", member.id],
    ]);
  });

  it("shows the state in the thread, filters the inbox by 'taken over by me', and keeps unread per operator", async () => {
    const c = await w.newConversation();
    await humanMessage(c.conversationId);
    await takeOver(w.t.prisma, w.scope, member, c.conversationId);
    const view = await threadView(w.t.prisma, w.scope, c.conversationId);
    expect(view.takenOver).toMatchObject({ operator: { id: member.id, email: member.email } });
    expect(view.handoffs.map((h) => [h.action, h.by])).toEqual([["take_over", member.email]]);
    const mine = await inboxView(w.t.prisma, w.scope, member.id, { unread: false, mine: true });
    expect(mine.conversations.map((e) => e.id)).toEqual([c.conversationId]);
    // Unread is per operator: the owner read it, the member has not.
    await markRead(w.t.prisma, w.scope, owner.id, c.conversationId);
    const unreadFor = async (who: Operator) =>
      (await inboxView(w.t.prisma, w.scope, who.id, { unread: true, mine: false })).conversations.map((e) => e.id);
    expect(await unreadFor(owner)).not.toContain(c.conversationId);
    expect(await unreadFor(member)).toContain(c.conversationId);
    const ownersMine = await inboxView(w.t.prisma, w.scope, owner.id, { unread: false, mine: true });
    expect(ownersMine.conversations.map((e) => e.id)).not.toContain(c.conversationId);
    await handBack(w.t.prisma, w.scope, member, c.conversationId);
    expect(
      (await inboxView(w.t.prisma, w.scope, member.id, { unread: false, mine: true })).conversations.map((e) => e.id),
    ).not.toContain(c.conversationId);
  });

  it("sends conversation.taken_over and conversation.handed_back through the outbox to a subscribed endpoint", async () => {
    const previous = process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
    process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
    const endpoint = await createEndpoint(
      w.t.prisma,
      w.scope,
      { url: receiver.url, events: ["conversation.taken_over", "conversation.handed_back"] },
      { allowPrivate: true },
    );
    receiver.secrets = [endpoint.secret];
    const c = await w.newConversation();
    const worker = startWebhookWorker(w.t.prisma, { pollMs: 50 });
    try {
      const taken = await takeOver(w.t.prisma, w.scope, owner, c.conversationId);
      await handBack(w.t.prisma, w.scope, member, c.conversationId);
      const got = await receiver.waitFor(
        (r) => r.filter((x) => x.json.data.conversation_id === c.conversationId).length >= 2,
      );
      const mine = got.filter((x) => x.json.data.conversation_id === c.conversationId);
      expect(mine.every((r) => r.verifiedWith.length === 1)).toBe(true);
      const byType = Object.fromEntries(mine.map((r) => [r.json.type, r.json.data]));
      expect(byType["conversation.taken_over"]).toEqual({
        conversation_id: c.conversationId,
        agent_id: w.ava.id,
        operator: owner,
        at: taken.takenOver!.at.toISOString(),
      });
      expect(byType["conversation.handed_back"]).toMatchObject({
        conversation_id: c.conversationId,
        agent_id: w.ava.id,
        operator: member,
      });
    } finally {
      await worker.stop();
      await w.t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
      if (previous === undefined) delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
      else process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = previous;
    }
  });
});
