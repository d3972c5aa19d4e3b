import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/lib/db/client";
import { seedIfEmpty } from "@/lib/seed";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { freshDatabase, type TestDatabase } from "./helpers/db";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * The claim is a prepared statement, and PostgreSQL may keep one generic plan for it, made
 * while the delivery tables were nearly empty. Such a plan once rescanned the claim's per-endpoint
 * ranking for every due delivery (a nested loop: 2,000 deliveries behind a burst took 38 s
 * instead of 7). The claim now ranks once, whatever plan it runs on: this runs it on a generic
 * plan made on empty tables (plan_cache_mode, statistics of empty tables) and reads the plan
 * PostgreSQL executed (auto_explain, sent to this client as a notice).
 */
const DUE = 300;

interface PlanNode {
  "Node Type": string;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe("the webhook claim on a generic plan made on empty tables (PostgreSQL)", () => {
  let t: TestDatabase;
  let traced: Database;
  let receiver: Receiver;
  const plans: PlanNode[] = [];

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    receiver = await startReceiver();
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const scope = { workspaceId: seeded!.workspaceId };
    const endpoint = await createEndpoint(
      t.prisma,
      scope,
      { url: receiver.url, events: ["reaction.added"] },
      { allowPrivate: true },
    );
    // Statistics that say the delivery tables are empty, then the deliveries of a burst.
    await t.sql.query("ANALYZE webhook_event, webhook_delivery");
    await t.sql.query(
      `INSERT INTO webhook_event (id, workspace_id, type, body)
       SELECT gen_random_uuid(), $1::uuid, 'reaction.added', '{}' FROM generate_series(1, ${DUE})`,
      [scope.workspaceId],
    );
    await t.sql.query(
      `INSERT INTO webhook_delivery (id, workspace_id, endpoint_id, event_id, next_attempt_at)
       SELECT gen_random_uuid(), e.workspace_id, $1::uuid, e.id, (now() AT TIME ZONE 'UTC') - interval '1 second'
         FROM webhook_event e`,
      [endpoint.id],
    );
    const url = new URL(t.url!);
    url.searchParams.set(
      "options",
      [
        "plan_cache_mode=force_generic_plan",
        "session_preload_libraries=auto_explain",
        "auto_explain.log_min_duration=0",
        "auto_explain.log_analyze=on",
        "auto_explain.log_format=json",
        "client_min_messages=log",
      ]
        .map((setting) => `-c ${setting}`)
        .join(" "),
    );
    traced = await openDatabase({ url: url.toString() });
    const listening = new WeakSet<object>();
    traced.pool?.on("acquire", (client) => {
      if (listening.has(client)) return;
      listening.add(client);
      client.on("notice", (notice) => {
        const text = notice.message ?? "";
        if (!text.includes("WITH due AS")) return;
        plans.push((JSON.parse(text.slice(text.indexOf("{"))) as { Plan: PlanNode }).Plan);
      });
    });
  });
  afterAll(async () => {
    await traced?.close();
    await receiver?.close();
    await t?.dispose();
  });

  it("ranks the due deliveries once per claim, not once per due delivery", async () => {
    const worker = startWebhookWorker(traced.prisma, { allowPrivate: true, pollMs: 60_000, retentionEveryMs: 0 });
    try {
      await expect.poll(() => plans.length, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await worker.stop();
    }
    const [first] = plans as [PlanNode];
    const ranking = nodes(first).filter((n) => n["Node Type"] === "WindowAgg");
    expect(ranking.length).toBe(1);
    expect(ranking[0]!["Actual Loops"]).toBe(1);
    // And it claimed: the first claim takes the endpoint's cap of 4.
    expect(receiver.received.length + worker.attemptsMade).toBeGreaterThan(0);
  });
});
