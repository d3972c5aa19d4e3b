import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/api/openapi";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { callOperation, type RawAnswer, testClient } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { rowCounts, type Tenant, type TwoWorkspaces, twoWorkspaces, workspaceSnapshot } from "./helpers/tenants";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * Workspaces never see into each other, and an agent key never sees past its agent. The
 * routes come from the OpenAPI document, so a route added later is walked too (and a route
 * whose ids or body this file cannot build fails here until it is taught them).
 */

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

interface Op {
  method: string;
  path: string;
  errorCodes: string[];
  hasBody: boolean;
  bodyRequired: boolean;
}

function operations(): Op[] {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Record<string, unknown>>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => {
      const op = item[m] as { "x-error-codes"?: string[]; requestBody?: { required?: boolean } };
      return {
        method: m.toUpperCase(),
        path,
        errorCodes: op["x-error-codes"] ?? [],
        hasBody: !!op.requestBody,
        bodyRequired: !!op.requestBody?.required,
      };
    }),
  );
}

/** The ids of one side's resources, by the path segment that names them. */
type Ids = Record<
  | "conversations"
  | "messages"
  | "reactions"
  | "agents"
  | "api-keys"
  | "contact-rules"
  | "webhook-endpoints"
  | "deliveries"
  | "assignments"
  | "attachments",
  string
>;

const nowhere = (): Ids => ({
  conversations: randomUUID(),
  messages: randomUUID(),
  reactions: randomUUID(),
  agents: randomUUID(),
  "api-keys": randomUUID(),
  "contact-rules": randomUUID(),
  "webhook-endpoints": randomUUID(),
  deliveries: randomUUID(),
  assignments: randomUUID(),
  attachments: `at_${randomUUID()}`,
});

const ofTenant = (t: Tenant): Ids => ({
  conversations: t.conversation.id,
  messages: t.outbound,
  reactions: t.agentReaction,
  agents: t.ava,
  // The workspace-wide key: revoking it would lock the owner out.
  "api-keys": t.ownerKeyId,
  "contact-rules": t.rule,
  "webhook-endpoints": t.endpoint,
  deliveries: t.delivery,
  assignments: t.conversation.assignment,
  // A bridge attachment's guid; these agents are on the sandbox, so it names nothing servable
  // in either workspace (tests/bluebubbles-bridge.test.ts serves real ones).
  attachments: "at_3F1C0B6E-0D6A-4C9E-9B1A-5F7E2D4C8A10",
});

/** Rex's side of workspace A, for Ava's agent key. */
const rexOf = (t: Tenant): Ids => ({
  ...ofTenant(t),
  conversations: t.rexConversation.id,
  messages: t.rexMessage,
  reactions: t.rexReaction,
  agents: t.rex,
  assignments: t.rexConversation.assignment,
});

/** Request bodies: valid, so that a refusal comes from the lookup and not from validation. */
const BODIES: Record<string, (ids: Ids) => unknown> = {
  "POST /reactions": (ids) => ({ message_id: ids.messages, reaction: "love" }),
  "POST /messages/{id}/reactions": () => ({ operation: "add", type: "love" }),
  "POST /conversations/{id}/messages": () => ({ parts: [{ text: "not yours" }] }),
  "PATCH /agents/{id}": () => ({ name: "Taken over", custom_emoji_sends: false }),
  "PATCH /webhook-endpoints/{id}": () => ({ enabled: false }),
  "POST /webhook-endpoints/{id}/rotate-secret": () => ({ overlap_seconds: 0 }),
  "POST /sandbox/conversations/{id}/inbound": () => ({ parts: [{ text: "not yours" }] }),
  "POST /sandbox/messages/{id}/reactions": () => ({ operation: "add", type: "dislike" }),
  "POST /api-keys": (ids) => ({ name: "borrowed", agent_id: ids.agents }),
  "POST /sandbox/conversations": (ids) => ({ remote_number: "+15550009999", agent_id: ids.agents }),
  "POST /agents": () => ({ name: "Intruder", handle: "+15550008888" }),
  "POST /contact-rules": () => ({ pattern: "+1888*" }),
  "POST /webhook-endpoints": () => ({ url: "http://127.0.0.1:9/intruder", events: ["reaction.added"] }),
  "PUT /sandbox/upstream": () => ({ mode: "fail" }),
};
/**
 * The workspace settings an agent key may not call, read or written (docs/api.md's "ws"
 * column), held here rather than read from the document's x-error-codes: those come from the
 * same flag that enforces the rule, so a route that lost the flag would drop out of both.
 */
const WORKSPACE_SETTINGS = new Set([
  "GET /agents",
  "POST /agents",
  "GET /agents/{id}",
  "PATCH /agents/{id}",
  "GET /api-keys",
  "POST /api-keys",
  "DELETE /api-keys/{id}",
  "GET /contact-rules",
  "POST /contact-rules",
  "DELETE /contact-rules/{id}",
  "GET /webhook-endpoints",
  "POST /webhook-endpoints",
  "GET /webhook-endpoints/{id}",
  "PATCH /webhook-endpoints/{id}",
  "DELETE /webhook-endpoints/{id}",
  "POST /webhook-endpoints/{id}/rotate-secret",
  "GET /webhook-endpoints/{id}/deliveries",
  "GET /webhook-endpoints/{id}/deliveries/{deliveryId}",
  "POST /webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver",
  // The workspace's sandbox mode holds or fails every agent's sends, not only the key's agent's.
  "PUT /sandbox/upstream",
]);
/** Operations without path ids whose body names another resource. */
const BODY_IDS = new Set(["POST /reactions", "POST /api-keys", "POST /sandbox/conversations"]);

function pathValues(op: Op, ids: Ids): Record<string, string> {
  const values: Record<string, string> = {};
  const parts = op.path.split("/").filter(Boolean);
  parts.forEach((part, i) => {
    const name = part.match(/^\{(\w+)\}$/)?.[1];
    if (!name) return;
    // A bridge's own id for a file, not a Tapdesk row: any value; the agent in the path decides.
    if (name === "guid") {
      values[name] = "at_0_4C5F0E2B-7A4D-4F0B-9C1E-2B7D3E9A1F00";
      return;
    }
    const kind = (name === "deliveryId" ? "deliveries" : parts[i - 1]) as keyof Ids;
    if (!(kind in ids)) throw new Error(`${op.method} ${op.path}: no id of kind "${kind}"; teach this test its ids`);
    values[name] = ids[kind];
  });
  return values;
}

const key = (op: Op) => `${op.method} ${op.path}`;

/** A problem's `instance` names the request (its id), which differs between any two requests. */
function sameRequestAside(body: unknown): unknown {
  if (!body || typeof body !== "object" || !("instance" in body)) return body;
  const { instance: _, ...rest } = body as Record<string, unknown>;
  return rest;
}
const namesIds = (op: Op) => op.path.includes("{") || BODY_IDS.has(key(op));

describe.each(BACKENDS)("workspace isolation through the API on %s", (backend) => {
  let w: TwoWorkspaces;
  let receivers: [Receiver, Receiver];
  const ops = operations();

  beforeAll(async () => {
    receivers = [await startReceiver("/a"), await startReceiver("/b")];
    w = await twoWorkspaces(backend, [receivers[0].url, receivers[1].url]);
    receivers[0].secrets = [w.a.endpointSecret];
    receivers[1].secrets = [w.b.endpointSecret];
  });
  afterAll(async () => {
    await Promise.all(receivers?.map((r) => r.close()) ?? []);
    await w?.t.dispose();
  });

  async function request(op: Op, ids: Ids, bearer: string): Promise<RawAnswer> {
    const build = BODIES[key(op)];
    if (op.bodyRequired && !build) throw new Error(`${key(op)}: teach this test a valid body`);
    return callOperation(testClient(bearer), op.method, op.path, { path: pathValues(op, ids), body: build?.(ids) });
  }

  /** Every documented operation that names a victim's id answers as for an id that never existed, and changes nothing. */
  async function walk(caller: string, victim: Ids, victimWorkspace: string) {
    const checked: string[] = [];
    for (const op of ops.filter(namesIds)) {
      const snapshot = await workspaceSnapshot(w.t, victimWorkspace);
      const counts = await rowCounts(w.t);
      const theirs = await request(op, victim, caller);
      const none = await request(op, nowhere(), caller);
      expect({ status: theirs.response.status, body: sameRequestAside(theirs.error ?? theirs.data) }, key(op)).toEqual({
        status: none.response.status,
        body: sameRequestAside(none.error ?? none.data),
      });
      expect(theirs.response.status, key(op)).toBeGreaterThanOrEqual(400);
      expect(await rowCounts(w.t), `${key(op)} wrote rows`).toEqual(counts);
      expect(await workspaceSnapshot(w.t, victimWorkspace), `${key(op)} changed the victim's rows`).toEqual(snapshot);
      checked.push(key(op));
    }
    return checked;
  }

  it("B's workspace key on every route with A's ids answers like a nonexistent id and changes nothing", async () => {
    const checked = await walk(w.b.key, ofTenant(w.a), w.a.id);
    // The walk really covered the id-taking routes (the document lists more than a handful).
    expect(checked.length).toBeGreaterThan(20);
    // A is untouched and still works with its own key.
    const own = await w.a.api.GET("/messages/{id}", { params: { path: { id: w.a.outbound } } });
    expect(own.response.status).toBe(200);
    expect(own.data!.reactions.map((r) => r.reaction)).toEqual(["like", "love"]);
  });

  it("B's agent key on every route with A's ids answers like a nonexistent id and changes nothing", async () => {
    await walk(w.b.avaKey, ofTenant(w.a), w.a.id);
  });

  it("A's agent key on every route with Rex's ids answers like a nonexistent id and changes nothing", async () => {
    await walk(w.a.avaKey, rexOf(w.a), w.a.id);
  });

  it("lists and reads with B's keys show none of A's conversations, messages, agents, keys or endpoints", async () => {
    const aIds = Object.values(ofTenant(w.a)).concat([w.a.inbound, w.a.humanReaction, w.a.rex, w.a.avaKeyId]);
    for (const bearer of [w.b.key, w.b.avaKey]) {
      for (const op of ops.filter((o) => o.method === "GET" && !namesIds(o))) {
        const res = await request(op, nowhere(), bearer);
        expect(res.response.status, key(op)).toBeLessThan(500);
        for (const id of aIds) expect(res.text, `${key(op)} shows A's ${id}`).not.toContain(id);
      }
    }
    const res = await w.b.api.GET("/conversations");
    expect(res.data!.data.map((c) => c.id).sort()).toEqual([w.b.conversation.id, w.b.rexConversation.id].sort());
  });

  it("an agent key gets 403 on every workspace setting, reads and writes alike, and on nothing else", async () => {
    const inDocument = new Set(ops.map(key));
    for (const op of WORKSPACE_SETTINGS) expect(inDocument.has(op), `${op} is not in the document`).toBe(true);
    // The document's flag says the same as the independent list.
    expect(
      ops
        .filter((op) => op.errorCodes.includes("workspace_key_required"))
        .map(key)
        .sort(),
    ).toEqual([...WORKSPACE_SETTINGS].sort());
    const snapshot = await workspaceSnapshot(w.t, w.a.id);
    const counts = await rowCounts(w.t);
    for (const op of ops.filter((o) => WORKSPACE_SETTINGS.has(key(o)))) {
      // A's own ids: even the workspace-wide key of its own workspace is out of an agent key's reach.
      const res = await request(op, ofTenant(w.a), w.a.avaKey);
      expect({ status: res.response.status, code: res.error?.code }, key(op)).toEqual({
        status: 403,
        code: "workspace_key_required",
      });
    }
    expect(await workspaceSnapshot(w.t, w.a.id)).toEqual(snapshot);
    expect(await rowCounts(w.t)).toEqual(counts);
    // And no other operation, whatever its method, answers an agent key that way. Writes name
    // ids that do not exist (the key check comes first), so they change nothing of A's.
    for (const op of ops.filter((o) => !WORKSPACE_SETTINGS.has(key(o)))) {
      const res =
        key(op) === "PUT /sandbox/upstream"
          ? await callOperation(testClient(w.a.avaKey), op.method, op.path, { path: {}, body: { mode: "ok" } })
          : await request(op, op.method === "GET" ? ofTenant(w.a) : nowhere(), w.a.avaKey);
      expect(res.error?.code, key(op)).not.toBe("workspace_key_required");
      if (op.method !== "GET") expect(res.response.status, key(op)).toBeLessThan(500);
    }
  });

  it("each workspace's events reach only its own endpoints", async () => {
    const worker = startWebhookWorker(w.t.prisma, { allowPrivate: true, pollMs: 20 });
    try {
      // More of A: a human message and tapback, an agent tapback replaced and removed.
      const msg = await w.a.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: w.a.conversation.id } },
        body: { parts: [{ text: "again" }] },
      });
      await w.a.api.POST("/sandbox/messages/{id}/reactions", {
        params: { path: { id: w.a.outbound } },
        body: { operation: "add", type: "laugh" },
      });
      await w.a.api.POST("/reactions", { body: { message_id: msg.data!.id, reaction: "love" } });
      const removed = await w.a.api.DELETE("/reactions/{id}", { params: { path: { id: w.a.agentReaction } } });
      expect(removed.response.status).toBe(204);

      const events = async (workspaceId: string) =>
        (await w.t.prisma.webhookEvent.findMany({ where: { workspaceId }, select: { id: true } }))
          .map((e) => e.id)
          .sort();
      const [aEvents, bEvents] = [await events(w.a.id), await events(w.b.id)];
      expect(aEvents.length).toBeGreaterThan(bEvents.length);
      const delivered = (r: Receiver) => [...new Set(r.received.map((x) => x.id))].sort();
      await receivers[0].waitFor(() => delivered(receivers[0]).length === aEvents.length);
      await receivers[1].waitFor(() => delivered(receivers[1]).length === bEvents.length);
      // Let a stray cross delivery show up before comparing.
      await new Promise((r) => setTimeout(r, 200));
      expect(delivered(receivers[0])).toEqual(aEvents);
      expect(delivered(receivers[1])).toEqual(bEvents);
      for (const [i, r] of receivers.entries()) {
        expect(
          r.received.every((x) => x.verifiedWith.length === 1),
          `receiver ${i} got a foreign signature`,
        ).toBe(true);
      }
      expect(
        await w.t.prisma.webhookDelivery.count({ where: { endpointId: w.b.endpoint, workspaceId: { not: w.b.id } } }),
      ).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it("B's contact rules never block A, and B's upstream mode never fails or holds A", async () => {
    const message = (t: Tenant, text: string) =>
      t.api.POST("/conversations/{id}/messages", {
        params: { path: { id: t.conversation.id } },
        body: { parts: [{ text }] },
      });
    const react = (t: Tenant, reaction: "like" | "love") =>
      t.api.POST("/reactions", { body: { message_id: t.inbound, reaction } });

    // Both conversations have the same number: B blocks it, only B is blocked.
    const rule = await w.b.api.POST("/contact-rules", { body: { pattern: w.b.conversation.remote } });
    expect(rule.response.status).toBe(201);
    expect(w.a.conversation.remote).toBe(w.b.conversation.remote);
    expect((await react(w.b, "like")).error!.code).toBe("contact_blocked");
    expect((await react(w.a, "like")).response.status).toBe(201);
    expect((await message(w.a, "still reachable")).response.status).toBe(201);
    await w.b.api.DELETE("/contact-rules/{id}", { params: { path: { id: rule.data!.id } } });

    const mode = (t: Tenant, m: "ok" | "fail" | "hold") => t.api.PUT("/sandbox/upstream", { body: { mode: m } });
    expect((await mode(w.b, "fail")).response.status).toBe(200);
    expect((await react(w.b, "love")).error!.code).toBe("upstream_delivery_failed");
    expect((await react(w.a, "love")).response.status).toBe(201);
    expect((await message(w.a, "not failed")).data!.status).toBe("delivered");
    expect((await mode(w.b, "hold")).response.status).toBe(200);
    const heldB = (await message(w.b, "held")).data!;
    expect(heldB.status).toBe("queued");
    expect((await message(w.a, "not held")).data!.status).toBe("delivered");
    // A's "ok" releases none of B's held messages; B's own does.
    expect((await mode(w.a, "ok")).data).toMatchObject({ mode: "ok", released: 0 });
    expect(await w.t.prisma.message.findUniqueOrThrow({ where: { id: heldB.id } })).toMatchObject({
      status: "queued",
    });
    expect((await mode(w.a, "ok")).data!.released).toBe(0);
    expect((await w.a.api.GET("/sandbox/upstream")).data!.mode).toBe("ok");
    expect((await w.b.api.GET("/sandbox/upstream")).data!.mode).toBe("hold");
    expect((await mode(w.b, "ok")).data).toMatchObject({ mode: "ok", released: 1 });
  });
});
