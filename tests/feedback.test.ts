import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { listScoreDeliveries } from "@/lib/feedback/deliveries";
import { rebuildFeedback } from "@/lib/feedback/rebuild";
import { exportLineSchema, feedbackPageSchema, summarySchema } from "@/lib/feedback/schemas";
import { ScoreWorker } from "@/lib/feedback/score-worker";
import { exportFeedback } from "@/lib/feedback/service";
import { expectProblem, textOf } from "./helpers/answers";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type FakeLangfuse, startFakeLangfuse } from "./helpers/fake-langfuse";

/**
 * SPEC §9 end to end through the API: a fresh agent sends six messages with trace ids, the human
 * reacts (love; dislike; question; 🎉; like replaced by dislike; laugh then removed), and the
 * summary, the review queue, the export and the Langfuse scores say what happened.
 */

type Human = {
  operation: "add" | "remove";
  type: "love" | "like" | "dislike" | "laugh" | "question" | "custom";
  custom_emoji?: string;
};
const PLAN: Human[][] = [
  [{ operation: "add", type: "love" }],
  [{ operation: "add", type: "dislike" }],
  [{ operation: "add", type: "question" }],
  [{ operation: "add", type: "custom", custom_emoji: "🎉" }],
  [
    { operation: "add", type: "like" },
    { operation: "add", type: "dislike" },
  ],
  [
    { operation: "add", type: "laugh" },
    { operation: "remove", type: "laugh" },
  ],
];

describe.each(BACKENDS)("feedback on %s", (backend) => {
  let w: ApiWorld;
  let fake: FakeLangfuse;
  let worker: ScoreWorker | null = null;
  let agentId: string;
  let agentKey: string;
  let conversationId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    w = await apiWorld(backend);
    fake = await startFakeLangfuse();
    process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
    const agent = await w.api.POST("/agents", {
      body: { name: "Probe", handle: `+1415555${String(Date.now()).slice(-4)}` },
    });
    agentId = agent.data!.id;
    agentKey = await extraKey(w, agentId, "probe agent key");
    const patched = await w.api.PATCH("/agents/{id}", {
      params: { path: { id: agentId } },
      body: { feedback: { kind: "langfuse", url: fake.url, public_key: fake.publicKey, secret_key: fake.secretKey } },
    });
    expect(patched.response.status).toBe(200);
    expect(patched.data!.feedback).toEqual({ kind: "langfuse", url: fake.url, public_key: fake.publicKey });
    expect(textOf(patched)).not.toContain(fake.secretKey);
    const agentApi = w.as(agentKey);
    const conversation = await agentApi.POST("/sandbox/conversations", { body: { remote_number: "+15550107788" } });
    conversationId = conversation.data!.conversation_id;
    for (const [i, steps] of PLAN.entries()) {
      await agentApi.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: `human asks ${i}` }] },
      });
      const sent = await agentApi.POST("/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: `agent answers ${i}` }], trace_id: `trace-${i}`, metadata: { step: i, model: "m-1" } },
      });
      expect(sent.response.status).toBe(201);
      expect(sent.data).toMatchObject({ trace_id: `trace-${i}`, metadata: { step: i, model: "m-1" } });
      ids.push(sent.data!.id);
      for (const step of steps) {
        const reacted = await agentApi.POST("/sandbox/messages/{id}/reactions", {
          params: { path: { id: sent.data!.id } },
          body: step,
        });
        expect(reacted.response.ok).toBe(true);
      }
    }
  });
  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
    await w?.dispose();
    delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
  });
  afterEach(async () => {
    await worker?.stop();
    worker = null;
  });

  /** The delivery log once every delivery has succeeded (the fake answers before the worker records). */
  async function settled() {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const log = await listScoreDeliveries(w.t.prisma, w.scope, agentId);
      if (log.every((d) => d.status === "succeeded")) return log;
      if (Date.now() > deadline) throw new Error(`deliveries not settled: ${JSON.stringify(log)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("reads trace_id and metadata back, and seals the Langfuse secret", async () => {
    const read = await w.as(agentKey).GET("/messages/{id}", { params: { path: { id: ids[0]! } } });
    expect(read.data).toMatchObject({ trace_id: "trace-0", metadata: { step: 0, model: "m-1" } });
    const page = await w.as(agentKey).GET("/conversations/{id}/messages", { params: { path: { id: conversationId } } });
    expect(page.data!.data.find((m) => m.id === ids[1])).toMatchObject({ trace_id: "trace-1" });
    const human = page.data!.data.find((m) => m.direction === "inbound");
    expect(human).toMatchObject({ trace_id: null, metadata: null });
    const row = await w.t.prisma.feedbackDestination.findUniqueOrThrow({ where: { agentId } });
    expect(row.secretKey).toMatch(/^tdseal:/);
    expect(row.secretKey).not.toContain(fake.secretKey);
  });

  it("refuses a trace_id over 200 characters and metadata over 4 KB or not an object", async () => {
    const send = (body: unknown) => w.raw("POST", `/conversations/${conversationId}/messages`, { key: agentKey, body });
    const long = await send({ parts: [{ text: "x" }], trace_id: "t".repeat(201) });
    expect(expectProblem(long, 422, "validation_failed").errors?.map((e) => e.field)).toContain("trace_id");
    const big = await send({ parts: [{ text: "x" }], metadata: { blob: "b".repeat(4100) } });
    expect(expectProblem(big, 422, "validation_failed").errors?.map((e) => e.field)).toContain("metadata");
    const list = await send({ parts: [{ text: "x" }], metadata: [1, 2] });
    expectProblem(list, 422, "validation_failed");
    const nul = await send({ parts: [{ text: "x" }], metadata: { a: "\u0000" } });
    expectProblem(nul, 422, "validation_failed");
  });

  it("sums the period: 6 parts, 5 reacted, labels 1/2/1/1, rates of parts, buckets that add up", async () => {
    const answer = await w.as(agentKey).GET("/feedback/summary", {});
    expect(answer.response.status).toBe(200);
    const summary = summarySchema.parse(answer.data);
    expect(summary.agent_id).toBe(agentId);
    const { totals } = summary;
    expect(totals.parts).toBe(6);
    expect(totals.reacted).toBe(5);
    expect(totals.labels).toEqual({ positive: 1, negative: 2, confused: 1, other: 1 });
    expect(totals.kinds).toEqual({
      love: 1,
      like: 0,
      dislike: 2,
      laugh: 0,
      emphasize: 0,
      question: 1,
      custom: 1,
      sticker: 0,
    });
    expect(totals.reaction_rate).toBeCloseTo(5 / 6);
    expect(totals.positive_rate).toBeCloseTo(1 / 6);
    expect(totals.negative_rate).toBeCloseTo(2 / 6);
    expect(totals.confused_rate).toBeCloseTo(1 / 6);
    expect(summary.buckets).toHaveLength(30);
    const sum = (f: (b: (typeof summary.buckets)[number]) => number) => summary.buckets.reduce((n, b) => n + f(b), 0);
    expect(sum((b) => b.parts)).toBe(6);
    expect(sum((b) => b.reacted)).toBe(5);
    expect(sum((b) => b.labels.negative)).toBe(2);
    expect(summary.buckets.at(-1)!.start).toBe(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);

    const weekly = await w.api.GET("/feedback/summary", { params: { query: { agent_id: agentId, bucket: "week" } } });
    expect(weekly.data!.totals).toEqual(totals);
    expect(weekly.data!.buckets.reduce((n, b) => n + b.parts, 0)).toBe(6);
  });

  it("refuses another agent's key, and a workspace key that names no agent", async () => {
    const rexKey = await extraKey(w, w.rex.id, "rex key");
    expectProblem(
      await w.as(rexKey).GET("/feedback/summary", { params: { query: { agent_id: agentId } } }),
      404,
      "agent_not_found",
    );
    expectProblem(
      await w.as(rexKey).GET("/feedback/messages", { params: { query: { agent_id: agentId } } }),
      404,
      "agent_not_found",
    );
    expectProblem(await w.raw("GET", `/feedback/export?agent_id=${agentId}`, { key: rexKey }), 404, "agent_not_found");
    expectProblem(await w.api.GET("/feedback/summary", {}), 422, "validation_failed");
    // Rex's key reads Rex's own summary.
    const rex = await w.as(rexKey).GET("/feedback/summary", {});
    expect(rex.data!.agent_id).toBe(w.rex.id);
  });

  it("answers 422, never 500, for a cursor or an `after` that names no uuid", async () => {
    const dashes = "-".repeat(36);
    const badAfter = await w.raw("GET", `/feedback/export?agent_id=${agentId}&after=${dashes}:0`);
    expectProblem(badAfter, 422, "validation_failed");
    const cursor = Buffer.from(`2026-12-06T00:00:00.000Z|${dashes}|0`).toString("base64url");
    expectProblem(
      await w.raw("GET", `/feedback/messages?agent_id=${agentId}&cursor=${cursor}`),
      422,
      "validation_failed",
    );
  });

  it("queues the negative parts newest first, with the replaced one's changes", async () => {
    const answer = await w.as(agentKey).GET("/feedback/messages", { params: { query: { label: "negative" } } });
    const page = feedbackPageSchema.parse(answer.data);
    expect(page.data.map((item) => item.message_id)).toEqual([ids[4], ids[1]]);
    expect(page.data.map((item) => item.changes)).toEqual([2, 1]);
    expect(page.data[0]).toMatchObject({
      trace_id: "trace-4",
      text: "agent answers 4",
      label: "negative",
      reaction: { kind: "dislike", custom_emoji: null },
    });
    // Cursor pages walk the same list.
    const first = await w.as(agentKey).GET("/feedback/messages", { params: { query: { limit: 2 } } });
    expect(first.data!.data.map((i) => i.message_id)).toEqual([ids[4], ids[3]]);
    const rest = await w.as(agentKey).GET("/feedback/messages", {
      params: { query: { limit: 2, cursor: first.data!.next_cursor! } },
    });
    expect(rest.data!.data.map((i) => i.message_id)).toEqual([ids[2], ids[1]]);
  });

  it("exports 5 NDJSON lines with trace, metadata, text, label, reaction and context; resumes with after", async () => {
    const answer = await w.raw("GET", `/feedback/export?agent_id=${agentId}`);
    expect(answer.response.status).toBe(200);
    expect(answer.response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = answer.text
      .trimEnd()
      .split("\n")
      .map((l) => exportLineSchema.parse(JSON.parse(l)));
    expect(lines.map((l) => l.message_id)).toEqual([ids[0], ids[1], ids[2], ids[3], ids[4]]);
    expect(lines.map((l) => l.label)).toEqual(["positive", "negative", "confused", "other", "negative"]);
    expect(lines[3]!.reaction).toMatchObject({ kind: "custom", custom_emoji: "🎉" });
    // The database writes each line: the same values the review queue's items carry, plus context.
    const queue = await w.as(agentKey).GET("/feedback/messages", {});
    const items = [...queue.data!.data].reverse();
    expect(lines.map(({ context: _, ...item }) => item)).toEqual(items);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatchObject({ trace_id: `trace-${i}`, metadata: { step: i }, text: `agent answers ${i}` });
      expect(line.context.at(-1)).toMatchObject({ direction: "inbound", text: `human asks ${i}` });
      expect(line.context.length).toBe(Math.min(10, 2 * i + 1));
    }
    const resumed = await w.raw("GET", `/feedback/export?agent_id=${agentId}&after=${ids[1]}:0`);
    expect(
      resumed.text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).message_id),
    ).toEqual([ids[2], ids[3], ids[4]]);
    const confused = await w.raw("GET", `/feedback/export?agent_id=${agentId}&label=confused`);
    expect(confused.text.trimEnd().split("\n")).toHaveLength(1);
  });

  it("reads the export's next page only as the client takes one (backpressure)", async () => {
    let pages = 0;
    const counted = new Proxy(w.t.prisma, {
      get(target, prop) {
        const value = Reflect.get(target, prop);
        if (prop === "$queryRaw") {
          return (...args: unknown[]) => {
            pages += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const settle = () => new Promise((r) => setTimeout(r, 100));
    const stream = await exportFeedback(counted, { workspaceId: w.scope.workspaceId, agentId }, {}, 1);
    await settle();
    expect(pages).toBeLessThanOrEqual(1); // highWaterMark 1: one page ahead at most
    const reader = stream.getReader();
    await reader.read();
    await settle();
    expect(pages).toBeLessThanOrEqual(2);
    let lines = 1;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      lines += 1;
    }
    expect(lines).toBe(5);
    expect(pages).toBe(6); // five pages of one line, then the empty one that ends the stream
  });

  it("sends the scores to Langfuse by basic auth: the replaced one negative, the removed one deleted", async () => {
    worker = new ScoreWorker(w.t.prisma, { allowPrivate: true, pollMs: 50, schedule: [50, 50] }).start();
    await fake.waitFor(() => fake.scores.size === 5 && fake.requests.some((r) => r.method === "DELETE"));
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    const score = (i: number) => fake.scores.get(`tapdesk-${ids[i]}-0`);
    expect(score(4)).toMatchObject({
      traceId: "trace-4",
      name: "imessage_tapback",
      dataType: "CATEGORICAL",
      value: "negative",
      comment: "dislike",
    });
    expect(score(4)!.metadata).toMatchObject({
      message_id: ids[4],
      part_index: 0,
      conversation_id: conversationId,
      sequence: 2,
    });
    expect(score(0)).toMatchObject({ value: "positive", comment: "love" });
    expect(score(2)).toMatchObject({ value: "confused", comment: "question" });
    expect(score(3)).toMatchObject({ value: "other", comment: "🎉" });
    expect(score(5)).toBeUndefined();
    const log = await settled();
    expect(log).toHaveLength(6);
    expect(log.find((d) => d.message_id === ids[5])).toMatchObject({ operation: "delete" });
  });

  it("retries a score Langfuse refused (503) on the schedule, then delivers it", async () => {
    fake.failNext(1, 503);
    await w.as(agentKey).POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: ids[0]! } },
      body: { operation: "add", type: "question" },
    });
    worker = new ScoreWorker(w.t.prisma, { allowPrivate: true, pollMs: 50, schedule: [50, 50] }).start();
    await fake.waitFor(() => fake.scores.get(`tapdesk-${ids[0]}-0`)?.value === "confused");
    const log = await settled();
    const delivery = log.find((d) => d.message_id === ids[0])!;
    expect(delivery.attempts.map((a) => a.status_code)).toEqual(expect.arrayContaining([503, 200]));
  });

  it("sends a change made while the part's score is in flight after it, never beside it, the latest last", async () => {
    const scoreOf = () => fake.scores.get(`tapdesk-${ids[2]}-0`);
    const react = (type: "love" | "dislike") =>
      w.as(agentKey).POST("/sandbox/messages/{id}/reactions", {
        params: { path: { id: ids[2]! } },
        body: { operation: "add", type },
      });
    // Whatever else is due goes first, so the part's score is the only one in flight below.
    worker = new ScoreWorker(w.t.prisma, { allowPrivate: true, pollMs: 20, schedule: [50, 50] }).start();
    await settled();
    await worker.stop();
    const release = fake.hold();
    await react("love");
    worker = new ScoreWorker(w.t.prisma, { allowPrivate: true, pollMs: 20, schedule: [50, 50] }).start();
    await fake.waitFor(() => fake.held() === 1);
    // The love is on its way to Langfuse; the human changes it to a dislike meanwhile.
    await react("dislike");
    await new Promise((r) => setTimeout(r, 200));
    expect(fake.held()).toBe(1);
    const before = fake.requests.length;
    release();
    await fake.waitFor(() => scoreOf()?.value === "negative");
    const posts = fake.requests.slice(before).map((r) => (r.body as { value?: string }).value);
    expect(posts).toEqual(["positive", "negative"]);
    const delivery = (await settled()).find((d) => d.message_id === ids[2])!;
    expect(delivery).toMatchObject({ operation: "upsert", status: "succeeded" });
  });

  it("keeps the read model equal to what a rebuild from the messages, reactions and audit trail gives", async () => {
    const snapshot = async () => ({
      parts: await w.t.prisma.feedbackPart.findMany({
        where: { agentId },
        orderBy: [{ messageId: "asc" }, { partIndex: "asc" }],
      }),
      days: await w.t.prisma.feedbackDaily.findMany({ where: { agentId }, orderBy: { day: "asc" } }),
    });
    const kept = await snapshot();
    expect(kept.parts).toHaveLength(6);
    await rebuildFeedback(w.t.prisma, agentId);
    expect(await snapshot()).toEqual(kept);
  });
});
