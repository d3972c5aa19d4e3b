import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { receiveMessage, sendMessage } from "@/lib/messages/service";
import { logger } from "@/lib/observability/log";
import { createConversation, humanReact } from "@/lib/sandbox";
import type { Scope } from "@/lib/scope";
import { seedIfEmpty } from "@/lib/seed";
import { react } from "@/lib/tapbacks/service";
import { createEndpoint, getDelivery, listDeliveries, redeliver, rotateSecret } from "@/lib/webhooks/endpoints";
import type { EventType } from "@/lib/webhooks/events";
import { startWebhookWorker, type WebhookWorker } from "@/lib/webhooks/worker";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";
import { type Received, type Receiver, startReceiver } from "./helpers/webhook-receiver";

const ALL: EventType[] = ["imessage.reaction_received", "reaction.added", "reaction.removed"];
const REMOTE = "+15550002222";

describe.each(BACKENDS)("webhook delivery on %s", (backend) => {
  let t: TestDatabase;
  let scope: Scope;
  let conversationId: string;
  let agentHandle: string;
  let receiver: Receiver;
  let endpointId: string;
  let worker: WebhookWorker;
  const agent = { type: "api_key" as const, id: "test-key" };

  beforeAll(async () => {
    t = await freshDatabase(backend);
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    scope = { workspaceId: seeded!.workspaceId };
    const created = await createConversation(t.prisma, scope, { remote_number: REMOTE });
    conversationId = created.conversation_id;
    const conversation = await t.prisma.conversation.findUniqueOrThrow({
      where: { id: conversationId },
      select: { agent: { select: { handle: true } } },
    });
    agentHandle = conversation.agent.handle;
    receiver = await startReceiver();
    const endpoint = await createEndpoint(t.prisma, scope, { url: receiver.url, events: ALL }, { allowPrivate: true });
    endpointId = endpoint.id;
    receiver.secrets = [endpoint.secret];
    // Short retry delays so a test need not wait the production 5 s; the production schedule is the default.
    worker = startWebhookWorker(t.prisma, { schedule: [200, 200], pollMs: 50, timeoutMs: 1_000, allowPrivate: true });
  });
  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await t?.dispose();
  });
  afterEach(() => {
    receiver.respond = () => ({ status: 200 });
  });

  const agentMessage = async () =>
    (await sendMessage(t.prisma, scope, conversationId, [{ text: "from the agent" }])).id;
  const humanMessage = async () =>
    (await receiveMessage(t.prisma, scope, conversationId, [{ text: "from the human" }])).id;

  /** Waits until every delivery of the endpoint is settled, then returns what arrived about the reaction. */
  async function settledFor(reactionId: string, endpoint = endpointId, to = receiver): Promise<Received[]> {
    for (;;) {
      const open = await t.prisma.webhookDelivery.count({
        where: { endpointId: endpoint, status: { in: ["pending", "failed"] } },
      });
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    return to.received.filter((r) => {
      const data = r.json.data as { id?: string; reaction?: { id?: string } };
      return data.id === reactionId || data.reaction?.id === reactionId;
    });
  }

  function ofType(list: Received[], type: EventType) {
    return list.filter((r) => r.json.type === type);
  }

  it("a human tapback on the agent's message sends imessage.reaction_received and reaction.added, signed", async () => {
    const messageId = await agentMessage();
    const result = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "love" });
    const got = await settledFor(result.reaction!.id);
    expect(got.map((r) => r.json.type).sort()).toEqual(["imessage.reaction_received", "reaction.added"]);
    for (const r of got) {
      expect(r.verifiedWith).toEqual(receiver.secrets);
      expect(r.id).toBe(r.json.id);
      expect(Object.keys(r.json)).toEqual(["id", "type", "created_at", "data"]);
    }
    expect(ofType(got, "imessage.reaction_received")[0]!.json.data).toEqual(result.reaction);
    expect(ofType(got, "reaction.added")[0]!.json.data).toEqual({
      reaction: result.reaction,
      reaction_type: "love",
      custom_emoji: null,
      sticker: null,
      message_id: messageId,
      part_index: 0,
      direction: "inbound",
      sender: { handle: REMOTE, is_me: false },
      previous: null,
      sequence: 1,
    });
  });

  it("a replacement carries previous; a removal sends reaction.removed and no imessage.reaction_received", async () => {
    const messageId = await agentMessage();
    const first = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "love" });
    const second = await humanReact(t.prisma, scope, messageId, {
      operation: "add",
      type: "custom",
      custom_emoji: "🔥",
    });
    expect(second.reaction!.id).toBe(first.reaction!.id);
    const afterReplace = await settledFor(first.reaction!.id);
    const replaced = afterReplace.filter((r) => (r.json.data as { sequence: number }).sequence === 2);
    expect(replaced.map((r) => r.json.type).sort()).toEqual(["imessage.reaction_received", "reaction.added"]);
    expect(ofType(replaced, "reaction.added")[0]!.json.data).toMatchObject({
      reaction_type: "custom",
      custom_emoji: "🔥",
      previous: { reaction_type: "love", custom_emoji: null },
      sequence: 2,
    });
    expect(ofType(replaced, "imessage.reaction_received")[0]!.json.data).toMatchObject({
      reaction: "custom",
      custom_emoji: "🔥",
      sequence: 2,
    });

    await humanReact(t.prisma, scope, messageId, { operation: "remove", type: "custom", custom_emoji: "🔥" });
    const all = await settledFor(first.reaction!.id);
    const removal = all.filter((r) => (r.json.data as { sequence: number }).sequence === 3);
    expect(removal.map((r) => r.json.type)).toEqual(["reaction.removed"]);
    expect(removal[0]!.json.data).toMatchObject({
      reaction_type: "custom",
      custom_emoji: "🔥",
      direction: "inbound",
      sender: { handle: REMOTE, is_me: false },
      previous: null,
      sequence: 3,
    });
    // Nothing else was written for the removal either.
    expect(ofType(all, "imessage.reaction_received")).toHaveLength(2);
  });

  it("stickers on the agent's message are received too, and removing one fires only reaction.removed", async () => {
    const messageId = await agentMessage();
    const sticker = { file_name: "s.png", mime_type: "image/png", url: "/s.png", width: 90, height: 90 };
    const added = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "sticker", sticker });
    const got = await settledFor(added.reaction!.id);
    expect(got.map((r) => r.json.type).sort()).toEqual(["imessage.reaction_received", "reaction.added"]);
    expect(ofType(got, "imessage.reaction_received")[0]!.json.data).toMatchObject({ reaction: "sticker", sticker });
    await humanReact(t.prisma, scope, messageId, { operation: "remove", type: "sticker" });
    const all = await settledFor(added.reaction!.id);
    expect(all.map((r) => r.json.type).sort()).toEqual([
      "imessage.reaction_received",
      "reaction.added",
      "reaction.removed",
    ]);
  });

  it("the agent's own tapbacks and the human's reactions to their own messages never fire imessage.reaction_received", async () => {
    const inbound = await humanMessage();
    const own = await agentMessage();
    const onInbound = await react(t.prisma, {
      scope,
      actor: agent,
      side: "agent",
      messageId: inbound,
      request: { operation: "add", kind: "like" },
    });
    const onOwn = await react(t.prisma, {
      scope,
      actor: agent,
      side: "agent",
      messageId: own,
      request: { operation: "add", kind: "emphasize" },
    });
    const humanOnOwn = await humanReact(t.prisma, scope, inbound, { operation: "add", type: "laugh" });

    const a = await settledFor(onInbound.reaction!.id);
    expect(a.map((r) => r.json.type)).toEqual(["reaction.added"]);
    expect(a[0]!.json.data).toMatchObject({
      direction: "outbound",
      sender: { handle: agentHandle, is_me: true },
      message_id: inbound,
      sequence: 1,
    });
    expect((await settledFor(onOwn.reaction!.id)).map((r) => r.json.type)).toEqual(["reaction.added"]);
    const h = await settledFor(humanOnOwn.reaction!.id);
    expect(h.map((r) => r.json.type)).toEqual(["reaction.added"]);
    expect(h[0]!.json.data).toMatchObject({ direction: "inbound", sender: { handle: REMOTE, is_me: false } });

    await react(t.prisma, {
      scope,
      actor: agent,
      side: "agent",
      messageId: inbound,
      request: { operation: "remove" },
    });
    const removed = await settledFor(onInbound.reaction!.id);
    expect(removed.map((r) => r.json.type)).toEqual(["reaction.added", "reaction.removed"]);
    expect(removed[1]!.json.data).toMatchObject({ reaction_type: "like", sequence: 2, sender: { is_me: true } });
  });

  it("a no-op writes no event", async () => {
    const messageId = await agentMessage();
    const first = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "question" });
    const again = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "question" });
    expect(again.outcome).toBe("noop");
    expect((await settledFor(first.reaction!.id)).map((r) => r.json.type).sort()).toEqual([
      "imessage.reaction_received",
      "reaction.added",
    ]);
  });

  it("an endpoint gets only the event types it subscribes to", async () => {
    const other = await startReceiver();
    try {
      const endpoint = await createEndpoint(
        t.prisma,
        scope,
        { url: other.url, events: ["reaction.removed"] },
        { allowPrivate: true },
      );
      other.secrets = [endpoint.secret];
      const messageId = await agentMessage();
      const added = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "dislike" });
      await humanReact(t.prisma, scope, messageId, { operation: "remove" as const, type: "dislike" });
      const got = await settledFor(added.reaction!.id, endpoint.id, other);
      expect(got.map((r) => r.json.type)).toEqual(["reaction.removed"]);
      expect(got[0]!.verifiedWith).toEqual([endpoint.secret]);
      await t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
    } finally {
      await other.close();
    }
  });

  it("retries after a 500 with the same webhook-id and body, and logs both attempts", async () => {
    receiver.respond = (_request, seen) => ({ status: seen === 0 ? 500 : 200 });
    const messageId = await agentMessage();
    const result = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "like" });
    const got = ofType(await settledFor(result.reaction!.id), "reaction.added");
    expect(got.map((r) => r.status)).toEqual([500, 200]);
    expect(got[1]!.id).toBe(got[0]!.id);
    expect(got[1]!.body).toBe(got[0]!.body);
    expect(got[1]!.verifiedWith).toEqual(receiver.secrets);

    const delivery = await t.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: got[0]!.id, endpointId } });
    const detail = await getDelivery(t.prisma, scope, endpointId, delivery.id);
    expect(detail).toMatchObject({ status: "succeeded", attempts: 2, last_status_code: 200, next_attempt_at: null });
    expect(detail.payload.id).toBe(got[0]!.id);
    expect(detail.attempt_log.map((a) => [a.number, a.status_code])).toEqual([
      [2, 200],
      [1, 500],
    ]);
    expect(detail.attempt_log[1]!.error).toBe("Answered 500.");
  });

  it("gives up after the retry schedule, treats redirects and timeouts as failures, and redelivers on request", async () => {
    receiver.respond = (_request, seen) =>
      seen === 0
        ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } }
        : seen === 1
          ? { status: 200, delayMs: 1_500 }
          : { status: 503 };
    const messageId = await agentMessage();
    const result = await react(t.prisma, {
      scope,
      actor: agent,
      side: "agent",
      messageId,
      request: { operation: "add", kind: "laugh" },
    });
    const got = await settledFor(result.reaction!.id);
    // Three attempts (the first and two retries), each at the endpoint's own URL: the redirect was not followed.
    expect(got.map((r) => r.status)).toEqual([302, 200, 503]);
    const delivery = await t.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: got[0]!.id } });
    const detail = await getDelivery(t.prisma, scope, endpointId, delivery.id);
    expect(detail.status).toBe("dead");
    expect(detail.next_attempt_at).toBeNull();
    expect(detail.attempt_log.map((a) => a.error)).toEqual([
      "Answered 503.",
      "No response within 1 s.",
      "Answered 302; redirects are not followed.",
    ]);

    receiver.respond = () => ({ status: 200 });
    const queued = await redeliver(t.prisma, scope, endpointId, delivery.id);
    expect(queued.status).toBe("pending");
    const again = await settledFor(result.reaction!.id);
    expect(again.at(-1)).toMatchObject({ id: got[0]!.id, status: 200 });
    expect((await getDelivery(t.prisma, scope, endpointId, delivery.id)).status).toBe("succeeded");
    const page = await listDeliveries(t.prisma, scope, endpointId, { limit: 1 });
    expect(page.data).toHaveLength(1);
    expect(page.next_cursor).toBe(page.data[0]!.id);
  });

  it("a redeliver while an attempt is in flight is not undone by that attempt (issue 16, finding 10)", async () => {
    let redelivered: Promise<unknown> | null = null;
    receiver.respond = (request, seen) => {
      if (seen === 0 && request.json.type === "reaction.added") {
        // The operator asks for a redelivery while the first attempt is still running.
        redelivered = (async () => {
          await new Promise((r) => setTimeout(r, 150));
          const delivery = await t.prisma.webhookDelivery.findFirstOrThrow({
            where: { eventId: request.id, endpointId },
          });
          return redeliver(t.prisma, scope, endpointId, delivery.id);
        })();
        return { status: 200, delayMs: 600 };
      }
      return { status: 200 };
    };
    const messageId = await agentMessage();
    const result = await react(t.prisma, {
      scope,
      actor: agent,
      side: "agent",
      messageId,
      request: { operation: "add", kind: "question" },
    });
    for (let i = 0; i < 200 && !redelivered; i++) await new Promise((r) => setTimeout(r, 25));
    await redelivered;
    const got = await settledFor(result.reaction!.id);
    // The redelivery asked for after the first attempt began is made: the event arrives twice.
    expect(got.filter((r) => r.json.type === "reaction.added").map((r) => r.status)).toEqual([200, 200]);
  });

  it("sends both signatures while a rotated secret overlaps, then only the new one", async () => {
    const old = receiver.secrets[0]!;
    const rotated = await rotateSecret(t.prisma, scope, endpointId, 3600);
    receiver.secrets = [old, rotated.secret];
    const messageId = await humanMessage();
    const during = await humanReact(t.prisma, scope, messageId, { operation: "add", type: "love" });
    const [d] = await settledFor(during.reaction!.id);
    expect(d!.signature.split(" ")).toHaveLength(2);
    expect(d!.verifiedWith).toEqual([old, rotated.secret]);

    const final = await rotateSecret(t.prisma, scope, endpointId, 0);
    receiver.secrets = [old, rotated.secret, final.secret];
    await humanReact(t.prisma, scope, messageId, { operation: "add", type: "like" });
    const got = (await settledFor(during.reaction!.id)).filter((r) => r.json.data.sequence === 2);
    expect(got).toHaveLength(1);
    expect(got[0]!.signature.split(" ")).toHaveLength(1);
    expect(got[0]!.verifiedWith).toEqual([final.secret]);
    receiver.secrets = [final.secret];
  });

  it("410 Gone disables the endpoint; its later events are not even queued", async () => {
    const gone = await startReceiver();
    try {
      gone.respond = () => ({ status: 410 });
      const endpoint = await createEndpoint(t.prisma, scope, { url: gone.url, events: ALL }, { allowPrivate: true });
      // A reaction on the human's own message: one event, so one request.
      const messageId = await humanMessage();
      await humanReact(t.prisma, scope, messageId, { operation: "add", type: "love" });
      await gone.waitFor((r) => r.length >= 1);
      for (;;) {
        const row = await t.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
        if (!row.enabled) {
          expect(row.disabledReason).toMatch(/410 Gone/);
          break;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      const delivery = await t.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
      expect(delivery.status).toBe("dead");
      await humanReact(t.prisma, scope, messageId, { operation: "add", type: "like" });
      expect(await t.prisma.webhookDelivery.count({ where: { endpointId: endpoint.id } })).toBe(1);
      await expect(redeliver(t.prisma, scope, endpoint.id, delivery.id)).rejects.toMatchObject({
        code: "webhook_endpoint_disabled",
      });
      expect(gone.received).toHaveLength(1);
      await t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
    } finally {
      await gone.close();
    }
  });
});

describe("an endpoint that hangs", () => {
  it("holds at most perEndpoint of the worker's slots while another endpoint's events go out", async () => {
    const t = await freshDatabase("pglite");
    const hanging = await startReceiver();
    const healthy = await startReceiver();
    try {
      const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
      const scope = { workspaceId: seeded!.workspaceId };
      const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550006666" });
      hanging.respond = () => ({ status: 200, delayMs: 60_000 });
      for (const r of [hanging, healthy]) {
        const endpoint = await createEndpoint(
          t.prisma,
          scope,
          { url: r.url, events: ["reaction.added"] },
          { allowPrivate: true },
        );
        r.secrets = [endpoint.secret];
      }
      const EVENTS = 6;
      for (let i = 0; i < EVENTS; i++) {
        const message = await receiveMessage(t.prisma, scope, conversation_id, [{ text: `m${i}` }]);
        await humanReact(t.prisma, scope, message.id, { operation: "add", type: "love" });
      }
      const worker = startWebhookWorker(t.prisma, {
        allowPrivate: true,
        pollMs: 20,
        concurrency: 4,
        perEndpoint: 2,
        // Longer than this test can take on any machine: a timed-out send would free its slot
        // for the next hanging delivery, and the cap would look broken on a slow machine.
        timeoutMs: 120_000,
        schedule: [60_000],
      });
      try {
        await healthy.waitFor((r) => r.length === EVENTS);
        await hanging.waitFor(() => hanging.inFlight() === 2);
        // Every healthy event went out while the hanging endpoint held its two slots, never more.
        expect(hanging.maxInFlight()).toBe(2);
        expect(hanging.received).toHaveLength(2);
        expect(healthy.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
      } finally {
        // Cut the hanging sends first: stop() waits for sends in flight.
        await hanging.close();
        await worker.stop();
      }
    } finally {
      await healthy.close();
      await t.dispose();
    }
  });
});

describe.each(BACKENDS)("an endpoint deleted while its delivery is in flight on %s", (backend) => {
  it("takes its delivery log with it, and the worker records nothing and reports no error", async () => {
    const t = await freshDatabase(backend);
    const slow = await startReceiver();
    // The worker reports through the process's pino logger (lib/observability/log.ts), not console.
    const errors = vi.spyOn(logger(), "error");
    const warnings = vi.spyOn(logger(), "warn");
    try {
      const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
      const scope = { workspaceId: seeded!.workspaceId };
      const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550007777" });
      slow.respond = () => ({ status: 200, delayMs: 300 });
      const endpoint = await createEndpoint(
        t.prisma,
        scope,
        { url: slow.url, events: ["reaction.added"] },
        { allowPrivate: true },
      );
      const message = await receiveMessage(t.prisma, scope, conversation_id, [{ text: "hi" }]);
      await humanReact(t.prisma, scope, message.id, { operation: "add", type: "love" });
      const worker = startWebhookWorker(t.prisma, { allowPrivate: true, pollMs: 20 });
      await slow.waitFor((r) => r.length === 1);
      await t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
      // stop() waits for the send in flight and its bookkeeping.
      await worker.stop();
      expect(worker.attemptsMade).toBe(1);
      expect(await t.prisma.webhookDelivery.count()).toBe(0);
      expect(await t.prisma.webhookAttempt.count()).toBe(0);
      expect(errors.mock.calls).toEqual([]);
      expect(warnings.mock.calls).toEqual([]);
    } finally {
      errors.mockRestore();
      warnings.mockRestore();
      await slow.close();
      await t.dispose();
    }
  });
});
