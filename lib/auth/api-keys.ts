import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { type Database, type Db, openedDatabase } from "../db/client";
import { AppError } from "../errors";
import { CHANNEL, notice } from "../live/hub";
import { NoticeKeptCache } from "../live/kept-cache";
import type { Scope } from "../scope";
import type { ApiKeyObject } from "./api-key-schemas";
import { instanceSecret } from "./secrets";

/**
 * API keys: `td_` + 32 random bytes. Stored as a keyed HMAC-SHA256 (fast, so every
 * request can afford it; keyed, so a leaked table alone cannot be brute-forced offline).
 */
export const KEY_PREFIX = "td_";

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString("base64url");
}

export async function hashApiKey(db: Db, key: string): Promise<string> {
  const pepper = await instanceSecret(db, "api_key_pepper");
  return createHmac("sha256", pepper).update(key).digest("hex");
}

export type { ApiKeyObject } from "./api-key-schemas";

function apiKeyObject(row: { id: string; name: string; agentId: string | null; prefix: string; createdAt: Date }) {
  return {
    id: row.id,
    name: row.name,
    agent_id: row.agentId,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
  };
}

export async function createApiKey(
  db: Db,
  scope: Scope,
  input: { name: string; agentId?: string | null; key?: string },
): Promise<ApiKeyObject & { key: string }> {
  if (input.agentId) {
    const agent = await db.agent.findFirst({ where: { id: input.agentId, workspaceId: scope.workspaceId } });
    if (!agent) throw new AppError("agent_not_found", "No agent of this workspace has that id.");
  }
  const key = input.key ?? generateApiKey();
  const row = await db.apiKey.create({
    data: {
      id: randomUUID(),
      workspaceId: scope.workspaceId,
      agentId: input.agentId ?? null,
      name: input.name,
      prefix: key.slice(0, 10),
      hash: await hashApiKey(db, key),
    },
  });
  return { ...apiKeyObject(row), key };
}

/** The workspace's keys that still work, oldest first; never the secrets. */
export async function listApiKeys(db: Db, scope: Scope): Promise<ApiKeyObject[]> {
  const rows = await db.apiKey.findMany({
    where: { workspaceId: scope.workspaceId, revokedAt: null },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(apiKeyObject);
}

/**
 * Revokes a key: it stops authenticating at once. The row stays for the audit trail. The
 * same transaction announces it (NOTIFY, delivered on commit to every instance), so every
 * instance forgets the keys it verified lately before it answers another request with one.
 */
export async function revokeApiKey(db: Db, scope: Scope, id: string): Promise<void> {
  const count = await db.$transaction(async (tx) => {
    const { count } = await tx.apiKey.updateMany({
      where: { id, workspaceId: scope.workspaceId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count > 0) await tx.$executeRaw`SELECT pg_notify(${CHANNEL}::text, ${notice.apiKeys(scope.workspaceId)}::text)`;
    return count;
  });
  // This instance forgets at once, whether or not its own notice has come back yet.
  forgetVerifiedKeys();
  if (count === 0) throw new AppError("api_key_not_found");
}

export interface ApiCaller extends Scope {
  apiKeyId: string;
}

/** The key of an `Authorization: Bearer <key>` header, or null. */
export function bearerToken(authorization: string | null): string | null {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] && match[1].length <= 200 ? match[1] : null;
}

/**
 * Keys verified lately, by their hash, for a few seconds: a send then does not read its key
 * again (docs/performance.md). Only while this process listens for the database's notices
 * (the process's own database, PGlite or PostgreSQL: lib/live/kept-cache.ts): a revocation
 * (revokeApiKey) announces itself in its transaction, and every instance forgets them all when
 * its notice arrives — or when notices may have been missed (a lost LISTEN connection). The few
 * seconds bound the rest. Unknown and revoked keys are never kept.
 */
export const VERIFIED_KEY_MS = 5_000;

const VERIFIED = new NoticeKeptCache<ApiCaller>("tapdesk.verified-api-keys", {
  forgets: (payload) => payload === null || payload.startsWith("k "),
  max: 10_000,
});

/** Forgets every key verified lately, in this process. */
export function forgetVerifiedKeys(): void {
  VERIFIED.forget();
}

/** The process's database when `db` is its client (its notices can be listened to); else null. */
async function processDatabase(db: Db): Promise<Database | null> {
  const database = await openedDatabase();
  return database?.prisma === db ? database : null;
}

/** The scope of a bearer key, or null when it is missing or unknown. */
export async function authenticateApiKey(db: Db, authorization: string | null): Promise<ApiCaller | null> {
  const token = bearerToken(authorization);
  if (!token) return null;
  const hash = await hashApiKey(db, token);
  const database = await processDatabase(db);
  const hit = VERIFIED.get(database, hash);
  if (hit) return hit;
  const read = await VERIFIED.reading(database);
  const row = await db.apiKey.findUnique({
    where: { hash },
    select: { id: true, workspaceId: true, agentId: true, revokedAt: true },
  });
  const caller =
    row && !row.revokedAt ? { workspaceId: row.workspaceId, agentId: row.agentId, apiKeyId: row.id } : null;
  // Kept only if nothing was forgotten while it was read (a revocation's notice may have come meanwhile).
  if (caller) read?.keep(hash, caller, Date.now() + VERIFIED_KEY_MS);
  return caller;
}
