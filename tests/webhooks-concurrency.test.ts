import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/lib/db/client";
import { receiveMessage } from "@/lib/messages/service";
import { createConversation, humanReact } from "@/lib/sandbox";
import { seedIfEmpty } from "@/lib/seed";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { freshDatabase, type TestDatabase } from "./helpers/db";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * Several app instances on one PostgreSQL database each run a worker: SKIP LOCKED claims
 * and leases must keep any event from being sent twice at the same time, or twice at all
 * once it succeeded, while both workers share the work.
 */
describe("two workers on one PostgreSQL database", () => {
  let t: TestDatabase;
  let second: Database;
  let receiver: Receiver;
  const EVENTS = 60;

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    // A second pool: the second app instance.
    second = await openDatabase({ url: t.url });
    receiver = await startReceiver();
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const scope = { workspaceId: seeded!.workspaceId };
    const endpoint = await createEndpoint(
      t.prisma,
      scope,
      { url: receiver.url, events: ["reaction.added"] },
      { allowPrivate: true },
    );
    receiver.secrets = [endpoint.secret];
    const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550004444" });
    for (let i = 0; i < EVENTS; i++) {
      const message = await receiveMessage(t.prisma, scope, conversation_id, [{ text: `m${i}` }]);
      await humanReact(t.prisma, scope, message.id, { operation: "add", type: "love" });
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await second?.close();
    await t?.dispose();
  });

  it("never sends one event twice at the same time, and delivers each exactly once", async () => {
    // Slow answers keep deliveries in flight long enough to overlap; every third event fails once.
    receiver.respond = (request, seen) => {
      const failOnce = Number.parseInt(request.id.slice(-2), 16) % 3 === 0 && seen === 0;
      return { status: failOnce ? 500 : 200, delayMs: 30 };
    };
    const options = { allowPrivate: true, pollMs: 20, concurrency: 4, schedule: [50, 50, 50] };
    const a = startWebhookWorker(t.prisma, options);
    const b = startWebhookWorker(second.prisma, options);
    try {
      await receiver.waitFor(
        (r) => new Set(r.filter((x) => x.status === 200).map((x) => x.id)).size === EVENTS,
        60_000,
      );
      // Give a stray duplicate the time to show up before counting.
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(receiver.maxConcurrentPerId()).toBe(1);
    const successes = new Map<string, number>();
    for (const r of receiver.received) {
      expect(r.verifiedWith).toEqual(receiver.secrets);
      if (r.status === 200) successes.set(r.id, (successes.get(r.id) ?? 0) + 1);
    }
    expect(successes.size).toBe(EVENTS);
    expect([...successes.values()].every((n) => n === 1)).toBe(true);
    expect(a.attemptsMade).toBeGreaterThan(0);
    expect(b.attemptsMade).toBeGreaterThan(0);
    expect(a.attemptsMade + b.attemptsMade).toBe(receiver.received.length);
    const statuses = await t.prisma.webhookDelivery.groupBy({ by: ["status"], _count: true });
    expect(statuses).toEqual([{ status: "succeeded", _count: EVENTS }]);
  });
});
