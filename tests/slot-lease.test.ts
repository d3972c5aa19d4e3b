import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Database, openDatabase } from "@/lib/db/client";
import { seedIfEmpty } from "@/lib/seed";
import { LeaseError, type SlotKey, withSlotLease } from "@/lib/tapbacks/slot-lease";
import { freshDatabase, type TestDatabase } from "./helpers/db";

/** A seeded workspace's first message, part 0: the slot of `sender`'s tapbacks on it. */
async function seededSlot(t: TestDatabase, sender: string): Promise<SlotKey> {
  const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
  const message = await t.prisma.message.findFirstOrThrow({ where: { workspaceId: seeded!.workspaceId } });
  return { workspaceId: seeded!.workspaceId, messageId: message.id, partIndex: 0, sender, lane: "tapback" };
}

describe("slot leases", () => {
  let t: TestDatabase;
  let key: SlotKey;

  beforeAll(async () => {
    t = await freshDatabase("pglite");
    key = await seededSlot(t, `s-${randomUUID()}`);
  });
  afterAll(() => t.dispose());

  it("bounds a caller's wait from the call, time spent queued behind the same process's holders included", async () => {
    const options = { ttlMs: 5_000, waitMs: 500 };
    const order: string[] = [];
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((n) =>
        withSlotLease(
          t.prisma,
          key,
          async () => {
            order.push(`start ${n}`);
            await sleep(400);
            return n;
          },
          options,
        ),
      ),
    );
    expect(results[0]).toEqual({ status: "fulfilled", value: 1 });
    expect(results[1]).toEqual({ status: "fulfilled", value: 2 });
    for (const late of results.slice(2)) {
      expect(late.status).toBe("rejected");
      expect((late as PromiseRejectedResult).reason).toBeInstanceOf(LeaseError);
    }
    // The callers that gave up never ran, even when their turn came.
    await sleep(900);
    expect(order).toEqual(["start 1", "start 2"]);
    expect(await t.prisma.slotLease.count()).toBe(0);
  });
});

// Issue 16, finding 7: the lease covers the upstream call even when the app's pool is stalled.
describe("slot leases on PostgreSQL with every pooled connection busy", () => {
  let t: TestDatabase;
  let other: Database;
  let key: SlotKey;

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    key = await seededSlot(t, "+15550001");
    // A second app instance on the same database.
    other = await openDatabase({ url: t.url });
  });
  afterAll(async () => {
    await other?.close();
    await t?.dispose();
  });

  it("renewals do not wait behind the stalled pool: no other instance takes the slot while the call is in flight", async () => {
    const options = { ttlMs: 600, waitMs: 300 };
    let live = -1;
    await withSlotLease(
      t.prisma,
      key,
      async () => {
        // The upstream call is in flight, and meanwhile every connection of this instance's
        // pool is held (a burst of slow work): for several lease lifetimes.
        const held = await Promise.all(Array.from({ length: t.pool!.options.max }, () => t.pool!.connect()));
        try {
          await sleep(options.ttlMs * 3);
          // Another instance looks at the slot now (as its tryAcquire does): the lease must
          // still be live, so it cannot take it over.
          const [row] = await other.sql.query<{ live: number }>(
            "SELECT count(*)::int AS live FROM slot_lease WHERE message_id = $1::uuid AND expires_at > now()",
            [key.messageId],
          );
          live = row!.live;
        } finally {
          for (const c of held) c.release();
        }
      },
      options,
    );
    expect(live).toBe(1);
  });
});

// The lease's statement also reads the slot (lib/tapbacks/service.ts): when it waited for the
// previous holder's recording to commit, its snapshot predates that commit, and the slot must be
// read again. Two instances on one database race for the lease of one slot; each instance is its
// own copy of the service (vi.resetModules), as in two processes: its own in-memory queue.
describe("two instances changing one tapback slot at once on PostgreSQL", () => {
  let t: TestDatabase;
  let other: Database;

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    other = await openDatabase({ url: t.url });
  });
  afterAll(async () => {
    await other?.close();
    await t?.dispose();
  });

  it("each change starts from what the one before committed: every send recorded, a gapless sequence, the last one live", async () => {
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const scope = { workspaceId: seeded!.workspaceId };
    const { createConversation } = await import("@/lib/sandbox");
    const { sendMessage } = await import("@/lib/messages/service");
    const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550002222" });
    const message = await sendMessage(t.prisma, scope, conversation_id, [{ text: "raced" }]);
    const first = await import("@/lib/tapbacks/service");
    vi.resetModules();
    const second = await import("@/lib/tapbacks/service");
    expect(second.react).not.toBe(first.react);
    const kinds = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
    const PER_INSTANCE = 60;
    const run = (react: typeof first.react, db: Database, offset: number) =>
      Promise.all(
        Array.from({ length: PER_INSTANCE }, (_, i) =>
          react(db.prisma, {
            scope,
            actor: { type: "api_key", id: "race" },
            side: "agent",
            messageId: message.id,
            request: { operation: "add", kind: kinds[(i + offset) % kinds.length]! },
          }),
        ),
      );
    // A stale read would decide from an old live tapback and sequence: its recording would find
    // the sequence moved and the send would end as an unknown outcome (504), failing this.
    const results = (await Promise.all([run(first.react, t, 0), run(second.react, other, 3)])).flat();
    const changes = results.filter((r) => r.outcome !== "noop").length;
    const audit = await t.prisma.reactionChange.findMany({
      where: { messageId: message.id },
      orderBy: { sequence: "asc" },
    });
    expect(audit.map((a) => a.sequence)).toEqual(Array.from({ length: changes }, (_, i) => i + 1));
    expect(await t.prisma.unsettledSend.count()).toBe(0);
    const live = await t.prisma.reaction.findMany({ where: { messageId: message.id } });
    expect(live.map((r) => r.kind)).toEqual([audit.at(-1)!.kind]);
    expect(await t.prisma.slotLease.count()).toBe(0);
  });
});
