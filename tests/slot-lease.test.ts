import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedIfEmpty } from "@/lib/seed";
import { LeaseError, withSlotLease } from "@/lib/tapbacks/slot-lease";
import { freshDatabase, type TestDatabase } from "./helpers/db";

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
