import { createDecipheriv, createHash, createHmac, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  bindIdempotencyKey,
  claimIdempotencyKey,
  completeIdempotencyKey,
  type KeyOwner,
  LEASE_MS,
  releaseIdempotencyKey,
  requestFingerprint,
  TTL_MS,
} from "@/lib/api/idempotency";
import { freshDatabase, type TestDatabase } from "./helpers/db";

/**
 * The Idempotency-Key store (lib/api/idempotency.ts) called directly on a fresh database,
 * with the clock held where a rule has an edge: claim, replay, reuse, release, expiry, the
 * abandoned-claim lease and the sweep. tests/api-idempotency.test.ts has the same through
 * HTTP, races included.
 *
 * Mutants of lib/api/idempotency.ts this file leaves alive, and why: `existing.state ===
 * "in_flight"` → false is equivalent (an in-flight row never has a status and a body); the
 * claim loop's bound (`round < 5`) and `if (!existing) continue` only matter when another
 * request deletes the row between two statements, a race tests/api-idempotency.test.ts runs
 * through HTTP but cannot aim at one line; so do the `state: "unsettled"` conditions of the
 * settled key's update and release, and the final `in_use` after five rounds. `if (settled ===
 * "afresh") continue` → `if (true) continue` is equivalent: the next round replays the answer
 * the settled send just stored under the key.
 */

let t: TestDatabase;
let owner: KeyOwner;
let other: KeyOwner;
let n = 0;
const fresh = () => `key-${++n}`;
const fp = (body = "{}") => requestFingerprint("POST", "/api/v1/reactions", new TextEncoder().encode(body));
const bytes = (s: string) => new Uint8Array(new TextEncoder().encode(s));
const rowOf = (key: string, of: KeyOwner = owner) =>
  t.prisma.idempotencyKey.findUnique({ where: { apiKeyId_key: { apiKeyId: of.apiKeyId, key } } });

beforeAll(async () => {
  // PostgreSQL: a fresh database there opens in a fraction of in-memory PGlite's time.
  t = await freshDatabase("postgres");
  // The rows the store hangs off, made directly: seeding a whole workspace costs seconds a mutant.
  const workspace = await t.prisma.workspace.create({ data: { name: "Idempotency" } });
  const key = await t.prisma.apiKey.create({
    data: { workspaceId: workspace.id, name: "k", prefix: "td_test", hash: "hash-of-td_test-key" },
  });
  owner = { workspaceId: workspace.id, apiKeyId: key.id, secret: "td_test-key-secret" };
  // The same key row, but a caller who does not hold its secret.
  other = { ...owner, secret: "td_not-the-holder" };
});
afterAll(() => t?.dispose());
afterEach(() => {
  vi.useRealTimers();
});

describe("requestFingerprint", () => {
  it("is the method (any case), the path and the exact body bytes", () => {
    const body = bytes('{"a":1}');
    const base = requestFingerprint("POST", "/p", body);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(requestFingerprint("post", "/p", body)).toBe(base);
    expect(requestFingerprint("PUT", "/p", body)).not.toBe(base);
    expect(requestFingerprint("POST", "/q", body)).not.toBe(base);
    expect(requestFingerprint("POST", "/p", bytes('{"a": 1}'))).not.toBe(base);
  });
});

describe("claiming a key", () => {
  it("claims a new key once: the same request again is in use, another request reused", async () => {
    const key = fresh();
    const claim = await claimIdempotencyKey(t.prisma, owner, key, fp());
    expect(claim).toEqual({ kind: "claimed", id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const row = await rowOf(key);
    expect(row).toMatchObject({ state: "in_flight", fingerprint: fp(), workspaceId: owner.workspaceId });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(TTL_MS);
    expect(row!.lockedAt.getTime()).toBe(row!.createdAt.getTime());
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toEqual({ kind: "in_use" });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp("{other}"))).toEqual({ kind: "reused" });
  });

  it("replays a completed answer byte for byte, sealed at rest and readable only by the key's holder", async () => {
    const key = fresh();
    const claim = await claimIdempotencyKey(t.prisma, owner, key, fp());
    if (claim.kind !== "claimed") throw new Error(claim.kind);
    const body = bytes('{"id":"r1","secret":"whsec_visible-only-once"}');
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: claim.id, key },
      {
        status: 201,
        headers: { "content-type": "application/json", location: "/r1" },
        body,
      },
    );
    const stored = await rowOf(key);
    expect(stored).toMatchObject({ state: "completed", status: 201 });
    expect(Buffer.from(stored!.body!).toString("latin1")).not.toContain("whsec_");
    const replay = await claimIdempotencyKey(t.prisma, owner, key, fp());
    expect(replay).toEqual({
      kind: "replay",
      response: { status: 201, headers: { "content-type": "application/json", location: "/r1" }, body },
    });
    // Another request under the key is still refused, completed or not.
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp("{other}"))).toEqual({ kind: "reused" });
    // Sealed under the holder's secret and the key: nobody else unseals it.
    await expect(claimIdempotencyKey(t.prisma, other, key, fp())).rejects.toThrow();
  });

  it("completes only the claim still in flight, and a released claim is claimed afresh", async () => {
    const key = fresh();
    const first = await claimIdempotencyKey(t.prisma, owner, key, fp());
    if (first.kind !== "claimed") throw new Error(first.kind);
    await releaseIdempotencyKey(t.prisma, first.id);
    expect(await rowOf(key)).toBeNull();
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: first.id, key },
      { status: 200, headers: {}, body: bytes("x") },
    );
    expect(await rowOf(key)).toBeNull();
    const second = await claimIdempotencyKey(t.prisma, owner, key, fp());
    expect(second.kind).toBe("claimed");
    expect((second as { id: string }).id).not.toBe(first.id);
    // Releasing a completed claim keeps its answer.
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: (second as { id: string }).id, key },
      {
        status: 200,
        headers: {},
        body: bytes("kept"),
      },
    );
    await releaseIdempotencyKey(t.prisma, (second as { id: string }).id);
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toMatchObject({
      kind: "replay",
      response: { status: 200, body: bytes("kept") },
    });
  });

  it("treats a completed row without its answer as still in use", async () => {
    const key = fresh();
    const claim = await claimIdempotencyKey(t.prisma, owner, key, fp());
    await t.prisma.idempotencyKey.update({
      where: { id: (claim as { id: string }).id },
      data: { state: "completed", status: 200, body: null },
    });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toEqual({ kind: "in_use" });
    await t.prisma.idempotencyKey.update({
      where: { id: (claim as { id: string }).id },
      data: { status: null, body: Buffer.from("x") },
    });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toEqual({ kind: "in_use" });
  });
});

describe("a key bound to an unsettled send (504 upstream_outcome_unknown)", () => {
  let conversation: { workspaceId: string; agentId: string; conversationId: string };
  beforeAll(async () => {
    const agent = await t.prisma.agent.create({
      data: { workspaceId: owner.workspaceId, name: "Ava", handle: "+14155550100" },
    });
    const assignment = await t.prisma.assignment.create({
      data: { workspaceId: owner.workspaceId, agentId: agent.id, remoteNumber: "+14155550199" },
    });
    const c = await t.prisma.conversation.create({
      data: {
        workspaceId: owner.workspaceId,
        assignmentId: assignment.id,
        agentId: agent.id,
        remoteNumber: "+14155550199",
      },
    });
    conversation = { workspaceId: owner.workspaceId, agentId: agent.id, conversationId: c.id };
  });
  /** A key claimed by a request whose send's outcome is unknown, bound to that send. */
  const bound = async () => {
    const key = fresh();
    const claim = await claimIdempotencyKey(t.prisma, owner, key, fp());
    if (claim.kind !== "claimed") throw new Error(claim.kind);
    const send = await t.prisma.unsettledSend.create({
      data: {
        id: randomUUID(),
        ...conversation,
        kind: "reaction",
        payload: {},
        settleBy: new Date(Date.now() + 60_000),
      },
    });
    await bindIdempotencyKey(t.prisma, claim.id, send.id);
    return { key, claim, send };
  };

  it("answers unsettled while the send is, and reused for another request", async () => {
    const { key, send } = await bound();
    expect(await rowOf(key)).toMatchObject({ state: "unsettled", unsettledSendId: send.id });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toEqual({ kind: "unsettled" });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp("{other}"))).toEqual({ kind: "reused" });
    expect(await rowOf(key)).toMatchObject({ state: "unsettled" });
  });

  it("once sent, answers the settled result and keeps it under the key, sealed", async () => {
    const { key, send } = await bound();
    const answer = { status: 201, body: { id: "r9", reaction: "love" } };
    await t.prisma.unsettledSend.update({ where: { id: send.id }, data: { state: "sent", result: answer } });
    const body = bytes(JSON.stringify(answer.body));
    const expected = {
      kind: "replay",
      response: { status: 201, headers: { "content-type": "application/json" }, body },
    };
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toEqual(expected);
    const row = await rowOf(key);
    expect(row).toMatchObject({ state: "completed", status: 201, headers: { "content-type": "application/json" } });
    expect(Buffer.from(row!.body!).toString("latin1")).not.toContain("r9");
    // From the stored row now, whatever happens to the send.
    await t.prisma.unsettledSend.delete({ where: { id: send.id } });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toEqual(expected);
  });

  it("once known not sent, or gone, releases the key: the retry runs afresh", async () => {
    for (const settle of ["not_sent", "gone"] as const) {
      const { key, claim, send } = await bound();
      if (settle === "gone") await t.prisma.unsettledSend.delete({ where: { id: send.id } });
      else await t.prisma.unsettledSend.update({ where: { id: send.id }, data: { state: "not_sent" } });
      const again = await claimIdempotencyKey(t.prisma, owner, key, fp());
      expect(again, settle).toEqual({ kind: "claimed", id: expect.any(String) });
      expect((again as { id: string }).id).not.toBe(claim.id);
      expect(await rowOf(key)).toMatchObject({ state: "in_flight", unsettledSendId: null });
    }
  });

  it("a sent send without its result is released too", async () => {
    const { key, send } = await bound();
    await t.prisma.unsettledSend.update({ where: { id: send.id }, data: { state: "sent" } });
    expect(await claimIdempotencyKey(t.prisma, owner, key, fp())).toMatchObject({ kind: "claimed" });
  });

  it("binds only a claim still in flight", async () => {
    const key = fresh();
    const claim = await claimIdempotencyKey(t.prisma, owner, key, fp());
    if (claim.kind !== "claimed") throw new Error(claim.kind);
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: claim.id, key },
      { status: 200, headers: {}, body: bytes("ok") },
    );
    const send = await t.prisma.unsettledSend.create({
      data: { id: randomUUID(), ...conversation, kind: "message", payload: {}, settleBy: new Date() },
    });
    await bindIdempotencyKey(t.prisma, claim.id, send.id);
    expect(await rowOf(key)).toMatchObject({ state: "completed", unsettledSendId: null });
  });
});

describe("what is stored, byte for byte", () => {
  it("fingerprints a request as sha256 of `METHOD path`, a line break and the body's sha256 in hex", () => {
    const body = bytes('{"a":1}');
    const bodyHash = createHash("sha256").update(body).digest("hex");
    expect(requestFingerprint("post", "/p", body)).toBe(
      createHash("sha256").update(`POST /p\n${bodyHash}`).digest("hex"),
    );
  });

  it("seals an answer under HMAC-SHA256(the caller's secret, 'tapdesk idempotency' + key): iv, tag, ciphertext", async () => {
    const key = fresh();
    const claim = await claimIdempotencyKey(t.prisma, owner, key, fp());
    if (claim.kind !== "claimed") throw new Error(claim.kind);
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: claim.id, key },
      { status: 200, headers: {}, body: bytes("hi") },
    );
    const data = Buffer.from((await rowOf(key))!.body!);
    const sealing = createHmac("sha256", owner.secret).update(`tapdesk idempotency\n${key}`).digest();
    const decipher = createDecipheriv("aes-256-gcm", sealing, data.subarray(0, 12));
    decipher.setAuthTag(data.subarray(12, 28));
    expect(Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString()).toBe("hi");
  });
});

describe("the clock's edges", () => {
  const at = (ms: number) => vi.useFakeTimers({ toFake: ["Date"], now: ms });

  it("an expired key is claimed afresh the moment it expires, and not a millisecond before", async () => {
    const start = Date.UTC(2030, 0, 1);
    at(start);
    const key = fresh();
    const neighbour = fresh();
    const first = await claimIdempotencyKey(t.prisma, owner, key, fp());
    await claimIdempotencyKey(t.prisma, owner, neighbour, fp());
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: (first as { id: string }).id, key },
      {
        status: 200,
        headers: {},
        body: bytes("old"),
      },
    );
    at(start + TTL_MS - 1);
    expect((await claimIdempotencyKey(t.prisma, owner, key, fp("{different}"))).kind).toBe("reused");
    at(start + TTL_MS);
    const again = await claimIdempotencyKey(t.prisma, owner, key, fp("{different}"));
    expect(again.kind).toBe("claimed");
    // Only that row went: the neighbour claimed at the same moment is reclaimed on its own use.
    expect((await rowOf(key))!.fingerprint).toBe(fp("{different}"));
  });

  it("a claim in flight longer than the lease was abandoned; at the lease it still runs; an answer never lapses", async () => {
    const start = Date.UTC(2031, 0, 1);
    at(start);
    const running = fresh();
    const done = fresh();
    await claimIdempotencyKey(t.prisma, owner, running, fp());
    const d = await claimIdempotencyKey(t.prisma, owner, done, fp());
    await completeIdempotencyKey(
      t.prisma,
      owner,
      { id: (d as { id: string }).id, key: done },
      {
        status: 201,
        headers: {},
        body: bytes("answer"),
      },
    );
    at(start + LEASE_MS);
    expect(await claimIdempotencyKey(t.prisma, owner, running, fp())).toEqual({ kind: "in_use" });
    at(start + LEASE_MS + 1);
    expect((await claimIdempotencyKey(t.prisma, owner, running, fp())).kind).toBe("claimed");
    expect((await claimIdempotencyKey(t.prisma, owner, done, fp())).kind).toBe("replay");
  });

  it("sweeps expired keys of every caller, at most once every ten minutes", async () => {
    const start = Date.UTC(2032, 0, 1);
    at(start);
    const stale = fresh();
    await claimIdempotencyKey(t.prisma, owner, stale, fp());
    // Far past its expiry: the next claim's sweep (the first in ten minutes) deletes it.
    at(start + TTL_MS + 60_000);
    await claimIdempotencyKey(t.prisma, owner, fresh(), fp());
    expect(await rowOf(stale)).toBeNull();
    const stale2 = fresh();
    await claimIdempotencyKey(t.prisma, owner, stale2, fp());
    at(start + 2 * TTL_MS + 120_000);
    // Expired, but the last sweep was less than ten minutes ago (by the clock it ran on)...
    await t.prisma.idempotencyKey.update({
      where: { apiKeyId_key: { apiKeyId: owner.apiKeyId, key: stale2 } },
      data: { expiresAt: new Date(start + TTL_MS + 60_000 + 1_000) },
    });
    at(start + TTL_MS + 60_000 + 10 * 60_000 - 1);
    await claimIdempotencyKey(t.prisma, owner, fresh(), fp());
    expect(await rowOf(stale2)).not.toBeNull();
    // ...and ten minutes after it, the next claim sweeps again.
    at(start + TTL_MS + 60_000 + 10 * 60_000);
    await claimIdempotencyKey(t.prisma, owner, fresh(), fp());
    expect(await rowOf(stale2)).toBeNull();
  });
});
