import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../db/client";

/**
 * `Idempotency-Key` (see docs/api.md), kept in the database so that every app instance sharing it
 * agrees. A request claims its key by inserting the row first: the unique
 * (api_key_id, key) lets exactly one of several concurrent requests win the claim; the
 * others see it in flight (409) or, once it completed, replay its response byte for byte.
 * Server errors (502 included) release the claim, so a retry really runs again — except a 504
 * upstream_outcome_unknown, which keeps the key bound to its unsettled send (SPEC §3).
 *
 * Stored bodies are sealed (AES-256-GCM) with a key derived from the caller's own API key,
 * which the database never holds: a create response carrying a secret (a new API key, a
 * webhook signing secret) stays replayable without the database ever keeping it readable.
 */
export const MAX_KEY_LENGTH = 255;
export const TTL_MS = 24 * 60 * 60 * 1000;
/** Longer than any request can run (transactions give up after 60 s): an older claim was abandoned by a crash. */
export const LEASE_MS = 5 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

export type Claim =
  | { kind: "claimed"; id: string }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "reused" }
  | { kind: "in_use" }
  /** The first request ended in 504 upstream_outcome_unknown and its send is not settled yet. */
  | { kind: "unsettled" };

export interface KeyOwner {
  workspaceId: string;
  apiKeyId: string;
  /** The caller's bearer token: only its holder can read what is stored under its keys. */
  secret: string;
}

function sealingKey(owner: KeyOwner, key: string): Buffer {
  return createHmac("sha256", owner.secret).update(`tapdesk idempotency\n${key}`).digest();
}

function seal(body: Uint8Array, owner: KeyOwner, key: string): Uint8Array<ArrayBuffer> {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(owner, key), iv);
  const sealed = Buffer.concat([cipher.update(body), cipher.final()]);
  return new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), sealed]));
}

function unseal(stored: Uint8Array, owner: KeyOwner, key: string): Uint8Array<ArrayBuffer> {
  const data = Buffer.from(stored);
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(owner, key), data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(12, 28));
  return new Uint8Array(Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]));
}

/** Method, path and the exact body bytes: what "the same request" means. */
export function requestFingerprint(method: string, path: string, body: Uint8Array): string {
  const bodyHash = createHash("sha256").update(body).digest("hex");
  return createHash("sha256").update(`${method.toUpperCase()} ${path}\n${bodyHash}`).digest("hex");
}

export async function claimIdempotencyKey(db: Db, owner: KeyOwner, key: string, fingerprint: string): Promise<Claim> {
  await sweepExpired(db);
  // Each round either claims, answers, or clears an expired or abandoned row and tries again.
  for (let round = 0; round < 5; round++) {
    const now = new Date();
    const id = randomUUID();
    const { count } = await db.idempotencyKey.createMany({
      data: [
        {
          id,
          workspaceId: owner.workspaceId,
          apiKeyId: owner.apiKeyId,
          key,
          fingerprint,
          lockedAt: now,
          createdAt: now,
          expiresAt: new Date(now.getTime() + TTL_MS),
        },
      ],
      skipDuplicates: true,
    });
    if (count === 1) return { kind: "claimed", id };

    const existing = await db.idempotencyKey.findUnique({
      where: { apiKeyId_key: { apiKeyId: owner.apiKeyId, key } },
    });
    if (!existing) continue; // released (a 5xx) between our insert and this read
    const expired = existing.expiresAt.getTime() <= now.getTime();
    const abandoned = existing.state === "in_flight" && now.getTime() - existing.lockedAt.getTime() > LEASE_MS;
    if (expired || abandoned) {
      // Delete exactly the row we looked at; whoever inserts next owns the key.
      await db.idempotencyKey.deleteMany({
        where: { id: existing.id, state: existing.state, lockedAt: existing.lockedAt },
      });
      continue;
    }
    if (existing.fingerprint !== fingerprint) return { kind: "reused" };
    if (existing.state === "unsettled") {
      const settled = await settledResponse(db, owner, key, existing.id, existing.unsettledSendId);
      if (settled === "unsettled") return { kind: "unsettled" };
      if (settled === "afresh") continue;
      return { kind: "replay", response: settled };
    }
    if (existing.state === "in_flight" || existing.status === null || existing.body === null) return { kind: "in_use" };
    return {
      kind: "replay",
      response: {
        status: existing.status,
        headers: (existing.headers ?? {}) as Record<string, string>,
        body: unseal(existing.body, owner, key),
      },
    };
  }
  // Only a key expiring and being reclaimed over and over gets here.
  return { kind: "in_use" };
}

export async function completeIdempotencyKey(
  db: Db,
  owner: KeyOwner,
  claim: { id: string; key: string },
  response: StoredResponse,
): Promise<void> {
  await db.idempotencyKey.updateMany({
    where: { id: claim.id, state: "in_flight" },
    data: {
      state: "completed",
      status: response.status,
      headers: response.headers,
      body: seal(response.body, owner, claim.key),
    },
  });
}

/**
 * A 504 upstream_outcome_unknown keeps its key bound to the unsettled send: a retry sends
 * nothing until Tapdesk knows what the upstream did.
 */
export async function bindIdempotencyKey(db: Db, id: string, unsettledSendId: string): Promise<void> {
  await db.idempotencyKey.updateMany({
    where: { id, state: "in_flight" },
    data: { state: "unsettled", unsettledSendId },
  });
}

/**
 * What a key bound to an unsettled send answers now: still `unsettled`; the settled answer
 * (stored under the key from now on, as if the first request had answered it); or `afresh`
 * when the upstream never sent it (the key is released, and the retry runs).
 */
async function settledResponse(
  db: Db,
  owner: KeyOwner,
  key: string,
  id: string,
  sendId: string | null,
): Promise<StoredResponse | "unsettled" | "afresh"> {
  const send = sendId ? await db.unsettledSend.findUnique({ where: { id: sendId } }) : null;
  if (send?.state === "unsettled") return "unsettled";
  if (send?.state === "sent" && send.result) {
    const answer = send.result as { status: number; body: unknown };
    const response: StoredResponse = {
      status: answer.status,
      headers: { "content-type": "application/json" },
      body: new Uint8Array(Buffer.from(JSON.stringify(answer.body))),
    };
    await db.idempotencyKey.updateMany({
      where: { id, state: "unsettled" },
      data: {
        state: "completed",
        status: response.status,
        headers: response.headers,
        body: seal(response.body, owner, key),
      },
    });
    return response;
  }
  await db.idempotencyKey.deleteMany({ where: { id, state: "unsettled" } });
  return "afresh";
}

export async function releaseIdempotencyKey(db: Db, id: string): Promise<void> {
  await db.idempotencyKey.deleteMany({ where: { id, state: "in_flight" } });
}

let lastSweep = 0;

/** Expired keys are deleted now and then; a live expired row is also reclaimed on use. */
async function sweepExpired(db: Db): Promise<void> {
  const now = Date.now();
  if (now - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = now;
  await db.idempotencyKey.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
}
