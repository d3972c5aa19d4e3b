import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as openapi from "@/app/api/v1/openapi.json/route";
import { problemSchema } from "@/lib/api/schemas";
import { KINDS } from "@/lib/tapbacks/kinds";
import { reactionSchema, removedSchema } from "@/lib/tapbacks/schemas";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { type ApiWorld, apiWorld, extraKey, type RawAnswer } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { dataFingerprint } from "./helpers/db-state";
import { fuzzRequest, type IdPool, inProcessTarget, type Operation, operations } from "./helpers/openapi-fuzz";
import { random } from "./helpers/random";

/**
 * Random bodies at both reaction endpoints: whatever arrives, the answer is a 2xx with a
 * valid object or a 4xx problem, never a 5xx; and a rejected request changes nothing.
 */
describe.each(BACKENDS)("bad input never breaks the reaction endpoints on %s", (backend) => {
  let w: ApiWorld;
  let targets: string[];

  beforeAll(async () => {
    w = await apiWorld(backend);
    targets = [];
    for (const agent of ["ava", "rex"] as const) {
      const c = await w.newConversation(agent);
      const m = await w.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: c.conversationId } },
        body: { parts: [{ text: "one" }, { text: "two" }] },
      });
      targets.push(m.data!.id);
    }
  });
  afterAll(() => w?.dispose());

  const anyId = () =>
    fc.oneof(
      fc.constantFrom(...targets),
      fc.uuid(),
      fc.string({ maxLength: 40 }),
      fc.constantFrom("", "null", "00000000-0000-0000-0000-000000000000", "../etc/passwd", "' OR 1=1 --"),
    );
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(1e308, -0, 2 ** 53, -1, 0.5, "1", "", null, true, [], {}),
  );
  const kind = fc.oneof(fc.constantFrom(...KINDS), fc.constantFrom("LOVE", "heart", "", " love"), anyValue);
  const emoji = fc.oneof(
    fc.constantFrom("😀", "👍🏽", "🏳️‍🌈", "1️⃣", "😀😀", "a", "", "🇺🇸🇬🇧", "e\u0301"),
    fc.string({ maxLength: 8 }),
    anyValue,
  );
  const partIndex = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.double(), fc.constantFrom(1e20, "0", null), anyValue);

  // Built when a test runs: the target ids exist only after beforeAll.
  const sendBody = () =>
    fc.record(
      { message_id: anyId(), reaction: kind, custom_emoji: emoji, part_index: partIndex, extra: anyValue },
      { requiredKeys: [] },
    );
  const operationBody = () =>
    fc.record(
      {
        operation: fc.oneof(fc.constantFrom("add", "remove", "ADD", "toggle"), anyValue),
        type: kind,
        custom_emoji: emoji,
        part_index: partIndex,
        sticker: anyValue,
      },
      { requiredKeys: [] },
    );
  const raw = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  );

  const state = async () => {
    const [changes, live] = await Promise.all([
      w.t.prisma.reactionChange.count({ where: { workspaceId: w.scope.workspaceId } }),
      w.t.prisma.reaction.findMany({
        where: { workspaceId: w.scope.workspaceId },
        select: { id: true, kind: true, customEmoji: true, sequence: true },
        orderBy: { id: "asc" },
      }),
    ]);
    return { changes, live };
  };

  async function check(res: RawAnswer, before: Awaited<ReturnType<typeof state>>) {
    expect(res.response.status, res.text).toBeLessThan(500);
    if (res.response.status >= 400) {
      expect(res.response.headers.get("content-type")).toBe("application/problem+json");
      problemSchema.parse(res.error);
      expect(await state()).toEqual(before);
    } else if (res.data && "removed" in res.data) {
      removedSchema.parse(res.data);
    } else {
      reactionSchema.parse(res.data);
    }
  }

  it("POST /reactions", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          sendBody().map((b) => JSON.stringify(b)),
          raw,
        ),
        async (body) => {
          const before = await state();
          await check(await w.raw("POST", "/reactions", { raw: body }), before);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("POST /messages/{id}/reactions", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyId(),
        fc.oneof(
          operationBody().map((b) => JSON.stringify(b)),
          raw,
        ),
        async (id, body) => {
          const before = await state();
          await check(await w.raw("POST", `/messages/${encodeURIComponent(id)}/reactions`, { raw: body }), before);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/**
 * Every operation of the served OpenAPI document, with hostile values in every field: never a
 * 5xx, every refusal a problem+json, and a refused request leaves every stored row as it was.
 * `npm run fuzz` runs the same generator for 100,000 requests.
 */
describe.each(BACKENDS)("schema-driven fuzz of every documented operation on %s", (backend) => {
  const RUNS_PER_OPERATION = Number(process.env.TAPDESK_FUZZ_RUNS ?? 12);
  let w: ApiWorld;
  let ids: IdPool;
  let send: ReturnType<typeof inProcessTarget>;
  let ops: Operation[];

  beforeAll(async () => {
    w = await apiWorld(backend);
    ids = await idPool(w);
    const served = await openapi.GET();
    // Removals last: a valid DELETE early would leave the operations after it only ids that are gone.
    ops = operations(await served.json()).sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));
    send = inProcessTarget(w.key);
  });
  afterAll(() => w?.dispose());

  it("covers every operation of the document", () => {
    expect(ops.length).toBeGreaterThan(30);
  });

  it("never answers 5xx, and refusals change nothing", { timeout: 240_000 }, async () => {
    const r = random(Number(process.env.TAPDESK_FUZZ_SEED ?? 20261130));
    const statuses = new Map<number, number>();
    const succeeded = new Set<string>();
    const valid = random(Number(process.env.TAPDESK_FUZZ_SEED ?? 20261130) + 1);
    for (const op of ops) {
      // The fuzz's runs, then, until the operation has succeeded once, a few unspoiled requests
      // (their own random sequence, so the fuzz's runs stay as they were): every operation is
      // shown to be reached past validation, not just some.
      for (
        let i = 0;
        i < RUNS_PER_OPERATION || (!succeeded.has(`${op.method} ${op.template}`) && i < RUNS_PER_OPERATION + 4);
        i++
      ) {
        const req = i < RUNS_PER_OPERATION ? fuzzRequest(op, r, ids) : fuzzRequest(op, valid, ids, { valid: true });
        const before = await dataFingerprint(w.t);
        const res = await send(req);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status < 300) succeeded.add(`${op.method} ${op.template}`);
        const what = `${req.method} ${req.path} ${req.body?.slice(0, 300)} → ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, what).toBeLessThan(500);
        if (res.status >= 400 && res.status !== 405) {
          expect(res.contentType, what).toBe("application/problem+json");
          expect(problemSchema.safeParse(JSON.parse(res.text)).error?.issues, what).toBeUndefined();
          expect(await dataFingerprint(w.t), what).toEqual(before);
        }
      }
    }
    // Every operation reached past validation at least once, but those the fuzz's valid
    // requests cannot yet make succeed here (NOT_YET_REACHED).
    const unreached = ops.map((op) => `${op.method} ${op.template}`).filter((id) => !succeeded.has(id));
    expect(unreached.filter((id) => !NOT_YET_REACHED.has(id))).toEqual([]);
  });
});

/**
 * Operations no request of the fuzz reaches a 2xx for yet (what is still open of issue 22's
 * item 7): the feedback reads, creating an agent, a contact rule or a webhook endpoint (a
 * schema-valid value is not enough: a free handle, a pattern, a public URL), a bridged agent's
 * attachment (the pool has no bridge) and redelivering (the pool's delivery is still pending).
 * Every other operation must succeed at least once.
 */
const NOT_YET_REACHED = new Set([
  "GET /feedback/summary",
  "GET /feedback/messages",
  "GET /feedback/export",
  "POST /agents",
  "GET /agents/{id}/bridge/attachments/{guid}",
  "POST /contact-rules",
  "POST /webhook-endpoints",
  "POST /webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver",
]);

/** Existing records of every kind, for path ids and id fields. */
async function idPool(w: ApiWorld): Promise<IdPool> {
  const p = w.t.prisma;
  const where = { workspaceId: w.scope.workspaceId };
  const endpoint = await createEndpoint(
    p,
    w.scope,
    { url: "http://127.0.0.1:9/fuzz", events: ["reaction.added"] },
    { allowPrivate: true },
  );
  const rule = await p.contactRule.create({ data: { workspaceId: w.scope.workspaceId, pattern: "+1999555*" } });
  // A real delivery of that endpoint (the delivery routes otherwise only see ids that do not
  // exist): an agent tapback fires reaction.added; no worker runs, so it stays pending.
  const c = await w.newConversation();
  const inbound = await w.api.POST("/sandbox/conversations/{id}/inbound", {
    params: { path: { id: c.conversationId } },
    body: { parts: [{ text: "for the delivery pool" }] },
  });
  expect(
    (await w.api.POST("/reactions", { body: { message_id: inbound.data!.id, reaction: "like" } })).response.status,
  ).toBe(201);
  const deliveries = await p.webhookDelivery.findMany({ where: { endpointId: endpoint.id }, select: { id: true } });
  expect(deliveries.length).toBeGreaterThan(0);
  await extraKey(w, null, "fuzz victim");
  const [conversations, messages, reactions, agents, assignments, keys] = await Promise.all([
    p.conversation.findMany({ where, select: { id: true } }),
    p.message.findMany({ where, select: { id: true } }),
    p.reaction.findMany({ where, select: { id: true } }),
    p.agent.findMany({ where, select: { id: true } }),
    p.assignment.findMany({ where, select: { id: true } }),
    p.apiKey.findMany({ where: { ...where, name: "fuzz victim" }, select: { id: true } }),
  ]);
  const list = (rows: { id: string }[]) => rows.map((r) => r.id);
  return {
    conversation: list(conversations),
    message: list(messages),
    reaction: list(reactions),
    target_message: list(messages),
    agent: list(agents),
    assignment: list(assignments),
    webhook_endpoint: [endpoint.id],
    delivery: list(deliveries),
    contact_rule: [rule.id],
    // Never the fuzzer's own key: revoking it would turn the rest of the run into 401s.
    api_key: list(keys),
  };
}
