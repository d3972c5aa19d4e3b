import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
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
