import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import type { Scope } from "../scope";
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

export interface ApiKeyObject {
  id: string;
  name: string;
  agent_id: string | null;
  prefix: string;
  created_at: string;
}

export async function createApiKey(
  db: Db,
  scope: Scope,
  input: { name: string; agentId?: string | null; key?: string },
): Promise<ApiKeyObject & { key: string }> {
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
  return {
    id: row.id,
    name: row.name,
    agent_id: row.agentId,
    prefix: row.prefix,
    created_at: row.createdAt.toISOString(),
    key,
  };
}

export interface ApiCaller extends Scope {
  apiKeyId: string;
}

/** The scope of a bearer key, or null when it is missing or unknown. */
export async function authenticateApiKey(db: Db, authorization: string | null): Promise<ApiCaller | null> {
  const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
  if (!match?.[1] || match[1].length > 200) return null;
  const row = await db.apiKey.findUnique({
    where: { hash: await hashApiKey(db, match[1]) },
    select: { id: true, workspaceId: true, agentId: true },
  });
  return row ? { workspaceId: row.workspaceId, agentId: row.agentId, apiKeyId: row.id } : null;
}
