import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as threadPoll } from "@/app/api/ui/conversations/[id]/route";
import { GET as inboxPoll } from "@/app/api/ui/inbox/route";
import type { TapdeskClient } from "@/lib/api/client";
import { createApiKey } from "@/lib/auth/api-keys";
import type { SignedInOperator } from "@/lib/auth/session";
import { threadView } from "@/lib/conversations/view";
import { createConversation } from "@/lib/sandbox";
import type { Scope } from "@/lib/scope";
import { TAPBACK_LANE } from "@/lib/tapbacks/rules";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import type { Schemas } from "./helpers/answers";
import { type ApiWorld, apiWorld, testClient } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

/**
 * An upstream that takes seconds (a bridge waiting on an iPhone) holds no transaction and no
 * database connection while it waits: everything that does not wait on it — reads, the
 * dashboard's polls, the human's tapbacks, other workspaces' sends — answers meanwhile. Each
 * check here is about order (the fast operation settles while every slow one is still
 * pending), never about how long anything took.
 */

// The dashboard's polls read the operator from the session cookie, which only exists inside a
// Next.js request; here the signed-in operator is set directly.
const session = vi.hoisted(() => ({ operator: null as SignedInOperator | null }));
vi.mock("@/lib/auth/session", () => ({ currentOperator: async () => session.operator }));

// Every reaction the sandbox upstream is asked to deliver, with when its call began and returned
// (an order of events in this process, not a duration): two changes of one slot must never be
// at the upstream at once.
const upstreamCalls = vi.hoisted(() => [] as { messageId: string; reaction: string; began: number; ended?: number }[]);
const upstreamClock = vi.hoisted(() => ({ tick: 0 }));
vi.mock("@/lib/upstream/sandbox", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/upstream/sandbox")>();
  return {
    sandboxUpstream: (...args: Parameters<typeof actual.sandboxUpstream>) => {
      const upstream = actual.sandboxUpstream(...args);
      return {
        ...upstream,
        async deliverReaction(delivery: Parameters<typeof upstream.deliverReaction>[0]) {
          const call = { messageId: delivery.messageId, reaction: String(delivery.kind), began: ++upstreamClock.tick };
          upstreamCalls.push(call);
          try {
            return await upstream.deliverReaction(delivery);
          } finally {
            Object.assign(call, { ended: ++upstreamClock.tick });
          }
        },
      };
    },
  };
});

const SLOW_MS = 3_000;
const SLOW_COUNT = 8;

/** Tracks whether a promise has settled, to look at the slow calls while they wait. */
function watch<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

async function readPoll(response: Response) {
  const text = await response.text();
  return { status: response.status, etag: response.headers.get("etag"), body: text ? JSON.parse(text) : null };
}

function pollThread(id: string, etag?: string | null) {
  const request = new Request(`http://tapdesk.test/api/ui/conversations/${id}`, {
    headers: etag ? { "if-none-match": etag } : {},
  });
  return threadPoll(request, { params: Promise.resolve({ id }) }).then(readPoll);
}

function pollInbox() {
  return inboxPoll(new Request("http://tapdesk.test/api/ui/inbox")).then(readPoll);
}

describe.each(BACKENDS)("a slow upstream on %s", (backend) => {
  let w: ApiWorld;
  /** A second workspace, whose sandbox answers at once. */
  let other: { scope: Scope; api: TapdeskClient; conversationId: string };

  beforeAll(async () => {
    w = await apiWorld(backend);
    const op = await w.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: w.scope.workspaceId } });
    session.operator = {
      id: op.id,
      email: op.email,
      name: op.name,
      role: op.role,
      scope: w.scope,
      notifyTakenOver: false,
    };

    const workspaceId = randomUUID();
    await w.t.prisma.workspace.create({ data: { id: workspaceId, name: "Other workspace" } });
    await w.t.prisma.agent.create({
      data: { id: randomUUID(), workspaceId, name: "Olly", handle: "+14155550177" },
    });
    const scope: Scope = { workspaceId };
    const { key } = await createApiKey(w.t.prisma, scope, { name: "other" });
    const created = await createConversation(w.t.prisma, scope, { remote_number: "+15550007777" });
    other = { scope, api: testClient(key), conversationId: created.conversation_id };
  });
  afterAll(() => w?.dispose());

  async function setUpstream(mode: "ok" | "fail", latency_ms: number) {
    const res = await w.api.PUT("/sandbox/upstream", { body: { mode, latency_ms } });
    expect(res.response.status).toBe(200);
    expect(res.data).toMatchObject({ mode, latency_ms });
  }

  async function humanMessage(conversationId: string, text: string, by = w.api): Promise<string> {
    const res = await by.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text }] },
    });
    expect(res.response.status).toBe(201);
    return res.data!.id;
  }

  function agentTapback(messageId: string, reaction: Schemas["SendReactionRequest"]["reaction"], by = w.api) {
    return by.POST("/reactions", { body: { message_id: messageId, reaction } });
  }

  async function leaseCount(): Promise<number> {
    return w.t.prisma.slotLease.count({ where: { workspaceId: w.scope.workspaceId } });
  }

  /** Database connections checked out of the pool right now (PostgreSQL only). */
  function connectionsInUse(): number {
    const pool = w.t.pool!;
    return pool.totalCount - pool.idleCount;
  }

  it(`answers reads, polls, human tapbacks and other workspaces' sends while ${SLOW_COUNT} tapbacks wait on the upstream`, async () => {
    const slowConversation = await w.newConversation();
    const quietConversation = await w.newConversation();
    const slowTargets: string[] = [];
    for (let i = 0; i < SLOW_COUNT; i++) slowTargets.push(await humanMessage(slowConversation.conversationId, `q${i}`));
    // Each slot already holds the agent's like, so each slow change is its second.
    for (const id of slowTargets) expect((await agentTapback(id, "like")).response.status).toBe(201);
    const quietMessage = await humanMessage(quietConversation.conversationId, "nothing waits here");
    const otherMessage = await humanMessage(other.conversationId, "hello from the other workspace", other.api);

    await setUpstream("ok", SLOW_MS);
    try {
      const slow = slowTargets.map((id) => watch(agentTapback(id, "love")));
      const stillWaiting = () => expect(slow.filter((s) => s.settled).length).toBe(0);

      // Every slow change holds its slot's lease while it waits on the upstream.
      await vi.waitFor(async () => expect(await leaseCount()).toBe(SLOW_COUNT), { timeout: SLOW_MS, interval: 5 });
      stillWaiting();
      if (backend === "postgres") {
        // Waiting on the upstream holds no connection: the pool empties while all eight still wait.
        await vi.waitFor(() => expect(connectionsInUse()).toBe(0), { timeout: SLOW_MS, interval: 5 });
        stillWaiting();
      }

      const list = await w.api.GET("/conversations");
      expect(list.response.status).toBe(200);
      expect(list.data!.data.map((c) => c.id)).toContain(quietConversation.conversationId);
      stillWaiting();

      const messagesOf = (id: string) => w.api.GET("/conversations/{id}/messages", { params: { path: { id } } });
      const quietRead = await messagesOf(quietConversation.conversationId);
      expect(quietRead.response.status).toBe(200);
      expect(quietRead.data!.data.map((m) => m.id)).toEqual([quietMessage]);
      stillWaiting();

      // The conversation the slow changes are in reads at once too, showing what is committed:
      // every slot still holds its like until its change has been delivered.
      const slowRead = await messagesOf(slowConversation.conversationId);
      expect(slowRead.response.status).toBe(200);
      const kinds = slowRead.data!.data.flatMap((m) => m.reactions.map((r) => r.reaction));
      expect(kinds).toEqual(Array(SLOW_COUNT).fill("like"));
      stillWaiting();

      // The dashboard: the open thread's poll (200, then 304 on its ETag), the inbox's, and the view.
      const first = await pollThread(quietConversation.conversationId);
      expect(first.status).toBe(200);
      stillWaiting();
      const again = await pollThread(quietConversation.conversationId, first.etag);
      expect(again.status).toBe(304);
      stillWaiting();
      const slowPoll = await pollThread(slowConversation.conversationId);
      expect(slowPoll.status).toBe(200);
      expect(slowPoll.body.upstreamLatencyMs).toBe(SLOW_MS);
      stillWaiting();
      expect((await pollInbox()).status).toBe(200);
      stillWaiting();
      const view = await threadView(w.t.prisma, w.scope, slowConversation.conversationId);
      expect(view.messages).toHaveLength(SLOW_COUNT);
      stillWaiting();

      // The human's tapbacks never call the upstream: one in a quiet conversation, one on a
      // message whose agent slot is waiting (the human's slot is another).
      for (const messageId of [quietMessage, slowTargets[0]!]) {
        const human = await w.api.POST("/sandbox/messages/{id}/reactions", {
          params: { path: { id: messageId } },
          body: { operation: "add", type: "laugh" },
        });
        expect(human.response.status).toBe(201);
        expect(human.data).toMatchObject({ reaction: "laugh", direction: "inbound", sequence: 1 });
        stillWaiting();
      }
      const polled = await pollThread(quietConversation.conversationId, first.etag);
      expect(polled.status).toBe(200);
      stillWaiting();

      // Another workspace's sandbox has no latency: its agent's tapback and message go through.
      const otherTapback = await agentTapback(otherMessage, "emphasize", other.api);
      expect(otherTapback.response.status).toBe(201);
      expect(otherTapback.data).toMatchObject({ reaction: "emphasize", sequence: 1 });
      stillWaiting();
      const otherSend = await other.api.POST("/conversations/{id}/messages", {
        params: { path: { id: other.conversationId } },
        body: { parts: [{ text: "sent while the other workspace waits" }] },
      });
      expect(otherSend.response.status).toBe(201);
      expect(otherSend.data!.status).toBe("delivered");
      stillWaiting();

      // Then the slow ones land, each as its slot's second change.
      const results = await Promise.all(slow.map((s) => s.promise));
      for (const [i, res] of results.entries()) {
        expect(res.response.status).toBe(201);
        expect(res.data).toMatchObject({ target_message_id: slowTargets[i], reaction: "love", sequence: 2 });
      }
      for (const messageId of slowTargets) {
        const audit = await w.t.prisma.reactionChange.findMany({
          where: { messageId, direction: "outbound" },
          orderBy: { sequence: "asc" },
        });
        expect(audit.map((a) => [a.sequence, a.action, a.kind])).toEqual([
          [1, "add", "like"],
          [2, "replace", "love"],
        ]);
      }
      expect(await leaseCount()).toBe(0);
    } finally {
      await setUpstream("ok", 0);
    }
  });

  /** Everything a change of this message would leave behind. */
  async function traces(messageId: string, conversationId: string) {
    const db = w.t.prisma;
    const workspaceId = w.scope.workspaceId;
    const [leases, live, slots, changes, events, conversation] = await Promise.all([
      db.slotLease.count({ where: { messageId } }),
      db.reaction.findMany({ where: { messageId }, select: { id: true, kind: true, sequence: true } }),
      db.reactionSlot.findMany({ where: { messageId }, select: { id: true, sequence: true } }),
      db.reactionChange.count({ where: { messageId } }),
      db.webhookEvent.count({ where: { workspaceId } }),
      db.conversation.findUniqueOrThrow({ where: { id: conversationId }, select: { version: true } }),
    ]);
    return { leases, live, slots, changes, events, version: conversation.version };
  }

  it("leaves nothing behind when a slow upstream fails (502): no lease, reaction, slot, change, event or version", async () => {
    const endpoint = await createEndpoint(
      w.t.prisma,
      w.scope,
      { url: "http://127.0.0.1:9/unheard", events: ["reaction.added", "reaction.removed"] },
      { allowPrivate: true },
    );
    try {
      const c = await w.newConversation();
      const fresh = await humanMessage(c.conversationId, "a slot never touched");
      const used = await humanMessage(c.conversationId, "a slot with a like");
      expect((await agentTapback(used, "like")).response.status).toBe(201);

      await setUpstream("fail", 200);
      for (const messageId of [fresh, used]) {
        const before = await traces(messageId, c.conversationId);
        const res = await agentTapback(messageId, "love");
        expect(res.response.status).toBe(502);
        expect(res.error!.code).toBe("upstream_delivery_failed");
        expect(await traces(messageId, c.conversationId)).toEqual(before);
      }

      // The same sends once the upstream works do leave those traces: the comparison above can fail.
      await setUpstream("ok", 0);
      const before = await traces(fresh, c.conversationId);
      expect((await agentTapback(fresh, "love")).response.status).toBe(201);
      const after = await traces(fresh, c.conversationId);
      expect(after.live).toHaveLength(1);
      expect(after.slots).toHaveLength(1);
      expect(after.changes).toBe(before.changes + 1);
      expect(after.events).toBeGreaterThan(before.events);
      expect(after.version).toBe(before.version + 1);
      expect(after.leases).toBe(0);
    } finally {
      await setUpstream("ok", 0);
      await w.t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
    }
  });

  it("waits out a crashed holder's lease, then applies the change", async () => {
    const c = await w.newConversation();
    const messageId = await humanMessage(c.conversationId, "a slot whose holder crashed");
    // What a holder that died mid-call leaves: a lease nobody renews, expiring on its own.
    const [lease] = await w.t.prisma.$queryRaw<{ expires_at: Date }[]>`
      INSERT INTO slot_lease (message_id, part_index, sender, lane, workspace_id, token, expires_at)
      VALUES (${messageId}::uuid, 0, ${w.ava.handle}, ${TAPBACK_LANE}, ${w.scope.workspaceId}::uuid,
              ${randomUUID()}::uuid, now() + interval '1 second')
      RETURNING expires_at`;
    // Asked against the expiry the lease was written with, on the database's clock: whatever
    // happens to the row, the slot is not free before then.
    const crashedLeaseLive = async () => {
      const [row] = await w.t.prisma.$queryRaw<
        { live: boolean }[]
      >`SELECT now() < ${lease!.expires_at}::timestamptz AS live`;
      return row!.live;
    };

    const change = watch(agentTapback(messageId, "question"));
    let sawItWait = false;
    for (;;) {
      // Read whether the change is done before asking the database whether the lease still
      // holds: done while the lease held would be a change made under another holder's lease.
      const settled = change.settled;
      if (!(await crashedLeaseLive())) break;
      expect(settled).toBe(false);
      sawItWait = true;
      await sleep(20);
    }
    expect(sawItWait).toBe(true);

    const res = await change.promise;
    expect(res.response.status).toBe(201);
    expect(res.data).toMatchObject({ reaction: "question", sequence: 1 });
    expect(await w.t.prisma.slotLease.count({ where: { messageId } })).toBe(0);
    expect((await agentTapback(messageId, "love")).data).toMatchObject({ reaction: "love", sequence: 2 });
  });

  it("applies two changes of one slot in the order they started, with a gapless sequence", async () => {
    const c = await w.newConversation();
    const messageId = await humanMessage(c.conversationId, "two changes at once");
    await setUpstream("ok", 500);
    try {
      const first = watch(agentTapback(messageId, "love"));
      // The first holds the slot's lease (it is waiting on the upstream) when the second starts.
      await vi.waitFor(async () => expect(await w.t.prisma.slotLease.count({ where: { messageId } })).toBe(1), {
        timeout: 5_000,
        interval: 5,
      });
      expect(first.settled).toBe(false);
      const second = watch(agentTapback(messageId, "laugh"));
      const firstRes = await first.promise;
      expect(second.settled).toBe(false);
      const secondRes = await second.promise;
      // The second waited for the first's lease: its call to the upstream began only after the
      // first's had returned (without the lease both would be at the upstream at once, and the
      // check above would still hold, the second having started later with the same latency).
      const calls = upstreamCalls.filter((c) => c.messageId === messageId);
      expect(calls.map((c) => c.reaction)).toEqual(["love", "laugh"]);
      expect(calls[1]!.began).toBeGreaterThan(calls[0]!.ended!);

      expect(firstRes.response.status).toBe(201);
      expect(firstRes.data).toMatchObject({ reaction: "love", sequence: 1 });
      expect(secondRes.response.status).toBe(201);
      expect(secondRes.data).toMatchObject({ id: firstRes.data!.id, reaction: "laugh", sequence: 2 });
      const audit = await w.t.prisma.reactionChange.findMany({ where: { messageId }, orderBy: { sequence: "asc" } });
      expect(audit.map((a) => [a.sequence, a.action, a.kind, a.previousKind])).toEqual([
        [1, "add", "love", null],
        [2, "replace", "laugh", "love"],
      ]);
      const live = await w.t.prisma.reaction.findMany({ where: { messageId } });
      expect(live.map((r) => [r.kind, r.sequence])).toEqual([["laugh", 2]]);
      expect(await w.t.prisma.slotLease.count({ where: { messageId } })).toBe(0);
    } finally {
      await setUpstream("ok", 0);
    }
  });
});
