import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneExpired, retentionDays } from "@/lib/webhooks/retention";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

describe.each(BACKENDS)("retention on %s", (backend) => {
  let t: TestDatabase;
  let workspaceId: string;
  let endpointId: string;
  let apiKeyId: string;

  beforeAll(async () => {
    t = await freshDatabase(backend);
    workspaceId = randomUUID();
    endpointId = randomUUID();
    apiKeyId = randomUUID();
    await t.prisma.workspace.create({ data: { id: workspaceId, name: "retention" } });
    await t.prisma.webhookEndpoint.create({
      data: { id: endpointId, workspaceId, url: "http://127.0.0.1:9/", events: ["reaction.added"], secret: "x" },
    });
    await t.prisma.apiKey.create({
      data: { id: apiKeyId, workspaceId, name: "k", prefix: "td_x", hash: `h-${apiKeyId}` },
    });
  });
  afterAll(() => t?.dispose());

  /** An event with one delivery to the endpoint, and attempts made at the given ages. */
  async function event(ageDays: number, status: "pending" | "failed" | "succeeded" | "dead", attemptAges: number[]) {
    const id = randomUUID();
    await t.prisma.webhookEvent.create({
      data: { id, workspaceId, type: "reaction.added", body: "{}", createdAt: ago(ageDays) },
    });
    const delivery = await t.prisma.webhookDelivery.create({
      data: {
        workspaceId,
        endpointId,
        eventId: id,
        status,
        createdAt: ago(ageDays),
        lastAttemptAt: attemptAges.length ? ago(Math.min(...attemptAges)) : null,
      },
    });
    for (const [i, age] of attemptAges.entries()) {
      await t.prisma.webhookAttempt.create({
        data: { workspaceId, deliveryId: delivery.id, number: i + 1, url: "u", startedAt: ago(age), durationMs: 1 },
      });
    }
    return { id, deliveryId: delivery.id };
  }

  const exists = async (id: string) => (await t.prisma.webhookEvent.count({ where: { id } })) === 1;

  it("prunes old events with their deliveries and attempts, keeps what is due, recent or redelivered", async () => {
    const old = await event(40, "succeeded", [40]);
    const oldDead = await event(35, "dead", [35, 34]);
    const stillDue = await event(40, "failed", [40]);
    const redelivered = await event(40, "succeeded", [40, 1]);
    const recent = await event(3, "succeeded", [3]);
    const expiredKey = await t.prisma.idempotencyKey.create({
      data: { workspaceId, apiKeyId, key: "a", fingerprint: "f", expiresAt: ago(0.01) },
    });
    const liveKey = await t.prisma.idempotencyKey.create({
      data: { workspaceId, apiKeyId, key: "b", fingerprint: "f", expiresAt: ago(-0.5) },
    });

    const pruned = await pruneExpired(t.prisma, { days: 30 });
    // Attempts older than the period go also where their event stays (the redelivered and the due one).
    expect(pruned).toEqual({ events: 2, attempts: 2, idempotencyKeys: 1 });
    expect(await exists(old.id)).toBe(false);
    expect(await exists(oldDead.id)).toBe(false);
    expect(await t.prisma.webhookDelivery.count({ where: { id: { in: [old.deliveryId, oldDead.deliveryId] } } })).toBe(
      0,
    );
    expect(
      await t.prisma.webhookAttempt.count({ where: { deliveryId: { in: [old.deliveryId, oldDead.deliveryId] } } }),
    ).toBe(0);
    expect(await exists(stillDue.id)).toBe(true);
    expect(await exists(recent.id)).toBe(true);
    expect(await exists(redelivered.id)).toBe(true);
    // The redelivered one keeps its recent attempt only.
    const left = await t.prisma.webhookAttempt.findMany({ where: { deliveryId: redelivered.deliveryId } });
    expect(left.map((a) => a.number)).toEqual([2]);
    expect(await t.prisma.idempotencyKey.count({ where: { id: expiredKey.id } })).toBe(0);
    expect(await t.prisma.idempotencyKey.count({ where: { id: liveKey.id } })).toBe(1);

    expect(await pruneExpired(t.prisma, { days: 30 })).toEqual({ events: 0, attempts: 0, idempotencyKeys: 0 });
  });

  it("instances pruning at once share the work and delete each row once", async () => {
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push((await event(31, "succeeded", [31])).id);
    const results = await Promise.all([1, 2, 3].map(() => pruneExpired(t.prisma, { days: 30, batch: 2 })));
    expect(results.reduce((n, r) => n + r.events, 0)).toBe(12);
    for (const id of ids) expect(await exists(id)).toBe(false);
  });

  it("is run by the webhook worker", async () => {
    const old = await event(45, "succeeded", [45]);
    const worker = startWebhookWorker(t.prisma, { retentionEveryMs: 50, pollMs: 50 });
    try {
      await expect.poll(() => exists(old.id), { timeout: 15_000 }).toBe(false);
    } finally {
      await worker.stop();
    }
  });
});

describe("TAPDESK_WEBHOOK_RETENTION_DAYS", () => {
  it("defaults to 30 days and ignores nonsense", () => {
    expect(retentionDays({})).toBe(30);
    expect(retentionDays({ TAPDESK_WEBHOOK_RETENTION_DAYS: "7" })).toBe(7);
    expect(retentionDays({ TAPDESK_WEBHOOK_RETENTION_DAYS: "-1" })).toBe(30);
    expect(retentionDays({ TAPDESK_WEBHOOK_RETENTION_DAYS: "soon" })).toBe(30);
  });
});
