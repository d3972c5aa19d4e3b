import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimIdempotencyKey, LEASE_MS, releaseIdempotencyKey, requestFingerprint } from "@/lib/api/idempotency";
import { bytesOf, type Schemas } from "./helpers/answers";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

type Answer = { response: Response };
const sameBytes = (a: Answer, b: Answer) => bytesOf(a).equals(bytesOf(b));
/** The Idempotency-Key header, as the typed client sends the documented parameter. */
const idempotent = (key: string | undefined) => (key === undefined ? {} : { header: { "Idempotency-Key": key } });

describe.each(BACKENDS)("Idempotency-Key and concurrency through HTTP on %s", (backend) => {
  let w: ApiWorld;
  let serial = 0;
  const newKey = () => `idem-${backend}-${++serial}-${Date.now()}`;

  beforeAll(async () => {
    w = await apiWorld(backend);
  });
  afterAll(() => w?.dispose());

  async function humanMessage(parts = 1) {
    const c = await w.newConversation("ava");
    const res = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: c.conversationId } },
      body: { parts: Array.from({ length: parts }, (_, i) => ({ text: `m${i}` })) },
    });
    expect(res.response.status).toBe(201);
    return res.data!.id;
  }

  const send = (body: Schemas["SendReactionRequest"], key?: string, apiKey?: string) =>
    (apiKey === undefined ? w.api : w.as(apiKey)).POST("/reactions", { body, params: idempotent(key) });
  const upstreamMode = (mode: "ok" | "fail") => w.api.PUT("/sandbox/upstream", { body: { mode } });
  const changes = (messageId: string) => w.t.prisma.reactionChange.count({ where: { messageId } });

  it("replays the first response byte for byte, even after the state moved on", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const first = await send({ message_id: messageId, reaction: "love" }, key);
    expect(first.response.status).toBe(201);
    expect(first.response.headers.get("idempotent-replayed")).toBeNull();
    // Another change on the slot: a replay must still answer what the first request got.
    expect((await send({ message_id: messageId, reaction: "laugh" })).response.status).toBe(201);

    const again = await send({ message_id: messageId, reaction: "love" }, key);
    expect(again.response.status).toBe(201);
    expect(sameBytes(again, first)).toBe(true);
    expect(again.response.headers.get("content-type")).toBe(first.response.headers.get("content-type"));
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(await changes(messageId)).toBe(2);
  });

  it("replays problem answers too, and 422s a different body, path or method under the same key", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const missing = await send({ message_id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", reaction: "love" }, key);
    expect(missing.response.status).toBe(404);
    const replay = await send({ message_id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", reaction: "love" }, key);
    expect(replay.response.status).toBe(404);
    expect(sameBytes(replay, missing)).toBe(true);
    expect(replay.response.headers.get("content-type")).toBe("application/problem+json");

    const reused = await send({ message_id: messageId, reaction: "love" }, key);
    expect(reused.response.status).toBe(422);
    expect(reused.error!.code).toBe("idempotency_key_reused");
    // The same body at another path (a body that path would refuse, had the key not been used).
    const otherPath = await w.raw("POST", `/messages/${messageId}/reactions`, {
      body: { message_id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", reaction: "love" },
      headers: { "idempotency-key": key },
    });
    expect(otherPath.error.code).toBe("idempotency_key_reused");
    // Byte-level: the same JSON with other whitespace is another body.
    const spaced = await w.raw("POST", "/reactions", {
      raw: '{"message_id": "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", "reaction": "love"}',
      headers: { "idempotency-key": key },
    });
    expect(spaced.error.code).toBe("idempotency_key_reused");
    expect(await changes(messageId)).toBe(0);
  });

  it("scopes keys per API key", async () => {
    const messageId = await humanMessage();
    const other = await extraKey(w, null, "second key");
    const key = newKey();
    const a = await send({ message_id: messageId, reaction: "love" }, key);
    const b = await send({ message_id: messageId, reaction: "like" }, key, other);
    expect([a.response.status, b.response.status]).toEqual([201, 201]);
    expect(b.data!.reaction).toBe("like");
  });

  it("answers 409 while the first request is still running, then replays it", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "love" } as const;
    const fingerprint = requestFingerprint("POST", "/api/v1/reactions", Buffer.from(JSON.stringify(body)));
    const owner = { workspaceId: w.scope.workspaceId, apiKeyId: await keyId(w.key), secret: w.key };
    // A request holding the claim, as the first of two concurrent requests does.
    const claim = await claimIdempotencyKey(w.t.prisma, owner, key, fingerprint);
    expect(claim.kind).toBe("claimed");
    const busy = await send(body, key);
    expect(busy.response.status).toBe(409);
    expect(busy.error!.code).toBe("idempotency_key_in_use");
    expect(busy.response.headers.get("content-type")).toBe("application/problem+json");
    expect(await changes(messageId)).toBe(0);
    if (claim.kind === "claimed") await releaseIdempotencyKey(w.t.prisma, claim.id);
    expect((await send(body, key)).response.status).toBe(201);
  });

  it("takes over a claim abandoned longer than the lease, and a key past its expiry", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "love" } as const;
    const owner = { workspaceId: w.scope.workspaceId, apiKeyId: await keyId(w.key), secret: w.key };
    const fingerprint = requestFingerprint("POST", "/api/v1/reactions", Buffer.from(JSON.stringify(body)));
    const claim = await claimIdempotencyKey(w.t.prisma, owner, key, fingerprint);
    expect(claim.kind).toBe("claimed");
    await w.t.prisma.idempotencyKey.updateMany({
      where: { key },
      data: { lockedAt: new Date(Date.now() - LEASE_MS - 1000) },
    });
    const ran = await send(body, key);
    expect(ran.response.status).toBe(201);

    await w.t.prisma.idempotencyKey.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const reusedAfterExpiry = await send({ message_id: messageId, reaction: "like" }, key);
    expect(reusedAfterExpiry.response.status).toBe(201);
    expect(reusedAfterExpiry.data!.reaction).toBe("like");
  });

  it("does not store a 502: the retry really runs", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "love" } as const;
    await upstreamMode("fail");
    try {
      const failed = await send(body, key);
      expect(failed.response.status).toBe(502);
      expect(await w.t.prisma.idempotencyKey.count({ where: { key } })).toBe(0);
      expect((await send(body, key)).response.status).toBe(502);
    } finally {
      await upstreamMode("ok");
    }
    const retried = await send(body, key);
    expect(retried.response.status).toBe(201);
    expect(retried.response.headers.get("idempotent-replayed")).toBeNull();
    expect(await changes(messageId)).toBe(1);
    expect(sameBytes(await send(body, key), retried)).toBe(true);
  });

  it("rejects keys longer than 255 characters or empty", async () => {
    const messageId = await humanMessage();
    expect((await send({ message_id: messageId, reaction: "love" }, "k".repeat(255))).response.status).toBe(201);
    for (const key of ["k".repeat(256), ""]) {
      const res = await send({ message_id: messageId, reaction: "like" }, key);
      expect(res.response.status).toBe(400);
      expect(res.error!.code).toBe("invalid_idempotency_key");
    }
    expect(await changes(messageId)).toBe(1);
  });

  it("covers every POST: a message send and an API key creation replay, and the stored secret is sealed", async () => {
    const c = await w.newConversation("ava");
    const key = newKey();
    const sendMessage = () =>
      w.api.POST("/conversations/{id}/messages", {
        params: { path: { id: c.conversationId }, ...idempotent(key) },
        body: { parts: [{ text: "once" }] },
      });
    const [m1, m2] = [await sendMessage(), await sendMessage()];
    expect(m1.response.status).toBe(201);
    expect(sameBytes(m1, m2)).toBe(true);
    expect(await w.t.prisma.message.count({ where: { conversationId: c.conversationId } })).toBe(1);

    const keyForKeys = newKey();
    const create = () => w.api.POST("/api-keys", { body: { name: "once" }, params: idempotent(keyForKeys) });
    const [k1, k2] = [await create(), await create()];
    expect(k1.response.status).toBe(201);
    expect(sameBytes(k1, k2)).toBe(true);
    expect(await w.t.prisma.apiKey.count({ where: { name: "once" } })).toBe(1);
    const stored = await w.t.prisma.idempotencyKey.findFirstOrThrow({ where: { key: keyForKeys } });
    expect(Buffer.from(stored.body!).toString("latin1")).not.toContain(k1.data!.key);
    expect(Buffer.from(stored.body!).toString("latin1")).not.toContain('"prefix"');
  });

  it("runs a key exactly once when many identical requests race", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "emphasize" } as const;
    const all = await Promise.all(Array.from({ length: 30 }, () => send(body, key)));
    const done = all.filter((r) => r.response.status === 201);
    const busy = all.filter((r) => r.response.status === 409);
    expect(done.length + busy.length).toBe(all.length);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const r of done) expect(sameBytes(r, done[0]!)).toBe(true);
    for (const r of busy) expect(r.error!.code).toBe("idempotency_key_in_use");
    expect(await changes(messageId)).toBe(1);
  });

  it("120 simultaneous POST /reactions on one slot: one live tapback, a gapless sequence", async () => {
    const messageId = await humanMessage();
    const kinds = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
    const all = await Promise.all(
      Array.from({ length: 120 }, (_, i) => send({ message_id: messageId, reaction: kinds[(i * 7) % 6]! })),
    );
    expect(all.map((r) => r.response.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    const live = await w.t.prisma.reaction.findMany({ where: { messageId } });
    expect(live).toHaveLength(1);
    const audit = await w.t.prisma.reactionChange.findMany({ where: { messageId }, orderBy: { sequence: "asc" } });
    expect(audit.map((a) => a.sequence)).toEqual(audit.map((_, i) => i + 1));
    expect(audit).toHaveLength(all.filter((r) => r.response.status === 201).length);
    expect(live[0]!.sequence).toBe(audit.length);
    expect(audit.at(-1)!.kind).toBe(live[0]!.kind);
    const ids = new Set(all.map((r) => r.data!.id));
    expect(ids).toEqual(new Set([live[0]!.id]));
  });

  async function keyId(secret: string) {
    const { authenticateApiKey } = await import("@/lib/auth/api-keys");
    return (await authenticateApiKey(w.t.prisma, `Bearer ${secret}`))!.apiKeyId;
  }
});

describe("Idempotency-Key while the first request really is in flight (PostgreSQL)", () => {
  let w: ApiWorld;
  beforeAll(async () => {
    w = await apiWorld("postgres");
  });
  afterAll(() => w?.dispose());

  it("answers 409 to the second request, then replays the first", async () => {
    const c = await w.newConversation("ava");
    const msg = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "hold on" }] },
    });
    const messageId = msg.data!.id;
    const body = { message_id: messageId, reaction: "love" } as const;
    const send = () => w.api.POST("/reactions", { body, params: idempotent("in-flight-1") });
    // Creates the slot, so that a transaction can hold its row lock.
    expect((await w.api.POST("/reactions", { body: { ...body, reaction: "like" } })).response.status).toBe(201);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = w.t.prisma.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM reaction_slot WHERE message_id = ${messageId}::uuid FOR UPDATE`;
        locked();
        await gate;
      },
      { timeout: 60_000 },
    );
    await lockTaken;
    const first = send();
    // The first request has claimed its key and now waits for the slot's lock.
    while ((await w.t.prisma.idempotencyKey.count({ where: { key: "in-flight-1" } })) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = await send();
    expect(second.response.status).toBe(409);
    expect(second.error!.code).toBe("idempotency_key_in_use");
    release();
    await holder;
    const done = await first;
    expect(done.response.status).toBe(201);
    expect(sameBytes(await send(), done)).toBe(true);
    expect(await w.t.prisma.reactionChange.count({ where: { messageId } })).toBe(2);
  });
});
