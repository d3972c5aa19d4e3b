import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/lib/db/client";
import { seedIfEmpty } from "@/lib/seed";
import { LeaseError, withSlotLease } from "@/lib/tapbacks/slot-lease";
import { freshDatabase, PG_URL, type TestDatabase } from "./helpers/db";

describe("slot leases", () => {
  let t: TestDatabase;
  let key: { workspaceId: string; messageId: string; partIndex: number; sender: string; lane: string };

  beforeAll(async () => {
    t = await freshDatabase("pglite");
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const message = await t.prisma.message.findFirstOrThrow({ where: { workspaceId: seeded!.workspaceId } });
    key = {
      workspaceId: seeded!.workspaceId,
      messageId: message.id,
      partIndex: 0,
      sender: `s-${randomUUID()}`,
      lane: "tapback",
    };
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
  let key: { workspaceId: string; messageId: string; partIndex: number; sender: string; lane: string };

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const message = await t.prisma.message.findFirstOrThrow({ where: { workspaceId: seeded!.workspaceId } });
    key = {
      workspaceId: seeded!.workspaceId,
      messageId: message.id,
      partIndex: 0,
      sender: "+15550001",
      lane: "tapback",
    };
    // A second app instance on the same database.
    const [row] = await t.sql.query<{ db: string }>("SELECT current_database() AS db");
    const url = new URL(PG_URL);
    url.pathname = `/${row!.db}`;
    other = await openDatabase({ url: url.toString() });
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
