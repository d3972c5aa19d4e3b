import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as apiKeys from "@/app/api/v1/api-keys/route";
import * as conversationMessages from "@/app/api/v1/conversations/[id]/messages/route";
import * as messageReactions from "@/app/api/v1/messages/[id]/reactions/route";
import * as reactions from "@/app/api/v1/reactions/route";
import * as inbound from "@/app/api/v1/sandbox/conversations/[id]/inbound/route";
import * as upstream from "@/app/api/v1/sandbox/upstream/route";
import { claimIdempotencyKey, LEASE_MS, releaseIdempotencyKey, requestFingerprint } from "@/lib/api/idempotency";
import { type ApiResponse, type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

const sameBytes = (a: ApiResponse, b: ApiResponse) => Buffer.from(a.bytes).equals(Buffer.from(b.bytes));

describe.each(BACKENDS)("Idempotency-Key and concurrency through HTTP on %s", (backend) => {
  let w: ApiWorld;
  const call: ApiWorld["call"] = (...args) => w.call(...args);
  let serial = 0;
  const newKey = () => `idem-${backend}-${++serial}-${Date.now()}`;

  beforeAll(async () => {
    w = await apiWorld(backend);
  });
  afterAll(() => w?.dispose());

  async function humanMessage(parts = 1) {
    const c = await w.newConversation("ava");
    const res = await call(inbound.POST, "POST", `/sandbox/conversations/${c.conversationId}/inbound`, {
      params: { id: c.conversationId },
      body: { parts: Array.from({ length: parts }, (_, i) => ({ text: `m${i}` })) },
    });
    expect(res.status).toBe(201);
    return res.json.id as string;
  }

  const send = (body: unknown, key?: string, apiKey?: string) =>
    call(reactions.POST, "POST", "/reactions", {
      body,
      key: apiKey,
      headers: key === undefined ? {} : { "idempotency-key": key },
    });
  const changes = (messageId: string) => w.t.prisma.reactionChange.count({ where: { messageId } });

  it("replays the first response byte for byte, even after the state moved on", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const first = await send({ message_id: messageId, reaction: "love" }, key);
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    // Another change on the slot: a replay must still answer what the first request got.
    expect((await send({ message_id: messageId, reaction: "laugh" })).status).toBe(201);

    const again = await send({ message_id: messageId, reaction: "love" }, key);
    expect(again.status).toBe(201);
    expect(sameBytes(again, first)).toBe(true);
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await changes(messageId)).toBe(2);
  });

  it("replays problem answers too, and 422s a different body, path or method under the same key", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const missing = await send({ message_id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", reaction: "love" }, key);
    expect(missing.status).toBe(404);
    const replay = await send({ message_id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", reaction: "love" }, key);
    expect(replay.status).toBe(404);
    expect(sameBytes(replay, missing)).toBe(true);
    expect(replay.headers.get("content-type")).toBe("application/problem+json");

    const reused = await send({ message_id: messageId, reaction: "love" }, key);
    expect(reused.status).toBe(422);
    expect(reused.json.code).toBe("idempotency_key_reused");
    const otherPath = await call(messageReactions.POST, "POST", `/messages/${messageId}/reactions`, {
      params: { id: messageId },
      body: { message_id: "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", reaction: "love" },
      headers: { "idempotency-key": key },
    });
    expect(otherPath.json.code).toBe("idempotency_key_reused");
    // Byte-level: the same JSON with other whitespace is another body.
    const spaced = await call(reactions.POST, "POST", "/reactions", {
      raw: '{"message_id": "7b0f1a52-3c1e-4a8e-9d55-0c9b7e1d2f30", "reaction": "love"}',
      headers: { "idempotency-key": key },
    });
    expect(spaced.json.code).toBe("idempotency_key_reused");
    expect(await changes(messageId)).toBe(0);
  });

  it("scopes keys per API key", async () => {
    const messageId = await humanMessage();
    const other = await extraKey(w, null, "second key");
    const key = newKey();
    const a = await send({ message_id: messageId, reaction: "love" }, key);
    const b = await send({ message_id: messageId, reaction: "like" }, key, other);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.json.reaction).toBe("like");
  });

  it("answers 409 while the first request is still running, then replays it", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "love" };
    const fingerprint = requestFingerprint("POST", "/api/v1/reactions", Buffer.from(JSON.stringify(body)));
    const owner = { workspaceId: w.scope.workspaceId, apiKeyId: await keyId(w.key), secret: w.key };
    // A request holding the claim, as the first of two concurrent requests does.
    const claim = await claimIdempotencyKey(w.t.prisma, owner, key, fingerprint);
    expect(claim.kind).toBe("claimed");
    const busy = await send(body, key);
    expect(busy.status).toBe(409);
    expect(busy.json.code).toBe("idempotency_key_in_use");
    expect(busy.headers.get("content-type")).toBe("application/problem+json");
    expect(await changes(messageId)).toBe(0);
    if (claim.kind === "claimed") await releaseIdempotencyKey(w.t.prisma, claim.id);
    expect((await send(body, key)).status).toBe(201);
  });

  it("takes over a claim abandoned longer than the lease, and a key past its expiry", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "love" };
    const owner = { workspaceId: w.scope.workspaceId, apiKeyId: await keyId(w.key), secret: w.key };
    const fingerprint = requestFingerprint("POST", "/api/v1/reactions", Buffer.from(JSON.stringify(body)));
    const claim = await claimIdempotencyKey(w.t.prisma, owner, key, fingerprint);
    expect(claim.kind).toBe("claimed");
    await w.t.prisma.idempotencyKey.updateMany({
      where: { key },
      data: { lockedAt: new Date(Date.now() - LEASE_MS - 1000) },
    });
    const ran = await send(body, key);
    expect(ran.status).toBe(201);

    await w.t.prisma.idempotencyKey.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const reusedAfterExpiry = await send({ message_id: messageId, reaction: "like" }, key);
    expect(reusedAfterExpiry.status).toBe(201);
    expect(reusedAfterExpiry.json.reaction).toBe("like");
  });

  it("does not store a 502: the retry really runs", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "love" };
    await call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: "fail" } });
    try {
      const failed = await send(body, key);
      expect(failed.status).toBe(502);
      expect(await w.t.prisma.idempotencyKey.count({ where: { key } })).toBe(0);
      expect((await send(body, key)).status).toBe(502);
    } finally {
      await call(upstream.PUT, "PUT", "/sandbox/upstream", { body: { mode: "ok" } });
    }
    const retried = await send(body, key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    expect(await changes(messageId)).toBe(1);
    expect(sameBytes(await send(body, key), retried)).toBe(true);
  });

  it("rejects keys longer than 255 characters or empty", async () => {
    const messageId = await humanMessage();
    expect((await send({ message_id: messageId, reaction: "love" }, "k".repeat(255))).status).toBe(201);
    for (const key of ["k".repeat(256), ""]) {
      const res = await send({ message_id: messageId, reaction: "like" }, key);
      expect(res.status).toBe(400);
      expect(res.json.code).toBe("invalid_idempotency_key");
    }
    expect(await changes(messageId)).toBe(1);
  });

  it("covers every POST: a message send and an API key creation replay, and the stored secret is sealed", async () => {
    const c = await w.newConversation("ava");
    const key = newKey();
    const sendMessage = () =>
      call(conversationMessages.POST, "POST", `/conversations/${c.conversationId}/messages`, {
        params: { id: c.conversationId },
        body: { parts: [{ text: "once" }] },
        headers: { "idempotency-key": key },
      });
    const [m1, m2] = [await sendMessage(), await sendMessage()];
    expect(m1.status).toBe(201);
    expect(sameBytes(m1, m2)).toBe(true);
    expect(await w.t.prisma.message.count({ where: { conversationId: c.conversationId } })).toBe(1);

    const keyForKeys = newKey();
    const create = () =>
      call(apiKeys.POST, "POST", "/api-keys", { body: { name: "once" }, headers: { "idempotency-key": keyForKeys } });
    const [k1, k2] = [await create(), await create()];
    expect(k1.status).toBe(201);
    expect(sameBytes(k1, k2)).toBe(true);
    expect(await w.t.prisma.apiKey.count({ where: { name: "once" } })).toBe(1);
    const stored = await w.t.prisma.idempotencyKey.findFirstOrThrow({ where: { key: keyForKeys } });
    expect(Buffer.from(stored.body!).toString("latin1")).not.toContain(k1.json.key);
    expect(Buffer.from(stored.body!).toString("latin1")).not.toContain('"prefix"');
  });

  it("runs a key exactly once when many identical requests race", async () => {
    const messageId = await humanMessage();
    const key = newKey();
    const body = { message_id: messageId, reaction: "emphasize" };
    const all = await Promise.all(Array.from({ length: 30 }, () => send(body, key)));
    const done = all.filter((r) => r.status === 201);
    const busy = all.filter((r) => r.status === 409);
    expect(done.length + busy.length).toBe(all.length);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const r of done) expect(sameBytes(r, done[0]!)).toBe(true);
    for (const r of busy) expect(r.json.code).toBe("idempotency_key_in_use");
    expect(await changes(messageId)).toBe(1);
  });

  it("120 simultaneous POST /reactions on one slot: one live tapback, a gapless sequence", async () => {
    const messageId = await humanMessage();
    const kinds = ["love", "like", "dislike", "laugh", "emphasize", "question"];
    const all = await Promise.all(
      Array.from({ length: 120 }, (_, i) => send({ message_id: messageId, reaction: kinds[(i * 7) % 6] })),
    );
    expect(all.map((r) => r.status).filter((s) => s !== 200 && s !== 201)).toEqual([]);
    const live = await w.t.prisma.reaction.findMany({ where: { messageId } });
    expect(live).toHaveLength(1);
    const audit = await w.t.prisma.reactionChange.findMany({ where: { messageId }, orderBy: { sequence: "asc" } });
    expect(audit.map((a) => a.sequence)).toEqual(audit.map((_, i) => i + 1));
    expect(audit).toHaveLength(all.filter((r) => r.status === 201).length);
    expect(live[0]!.sequence).toBe(audit.length);
    expect(audit.at(-1)!.kind).toBe(live[0]!.kind);
    const ids = new Set(all.map((r) => r.json.id));
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
    const msg = await w.call(inbound.POST, "POST", `/sandbox/conversations/${c.conversationId}/inbound`, {
      params: { id: c.conversationId },
      body: { parts: [{ text: "hold on" }] },
    });
    const messageId = msg.json.id as string;
    const body = { message_id: messageId, reaction: "love" };
    const headers = { "idempotency-key": "in-flight-1" };
    // Creates the slot, so that a transaction can hold its row lock.
    expect((await w.call(reactions.POST, "POST", "/reactions", { body: { ...body, reaction: "like" } })).status).toBe(
      201,
    );

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
    const first = w.call(reactions.POST, "POST", "/reactions", { body, headers });
    // The first request has claimed its key and now waits for the slot's lock.
    while ((await w.t.prisma.idempotencyKey.count({ where: { key: "in-flight-1" } })) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = await w.call(reactions.POST, "POST", "/reactions", { body, headers });
    expect(second.status).toBe(409);
    expect(second.json.code).toBe("idempotency_key_in_use");
    release();
    await holder;
    const done = await first;
    expect(done.status).toBe(201);
    const third = await w.call(reactions.POST, "POST", "/reactions", { body, headers });
    expect(Buffer.from(third.bytes).equals(Buffer.from(done.bytes))).toBe(true);
    expect(await w.t.prisma.reactionChange.count({ where: { messageId } })).toBe(2);
  });
});
