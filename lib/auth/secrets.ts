import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";

/**
 * Secrets generated on first start and kept in the database, so that every app instance
 * sharing it signs sessions and hashes API keys the same way.
 */
export type SecretName = "session" | "api_key_pepper" | "instance_token";

// Cached per database: a process that opens two (tests, tools) must read and write each
// database's own secrets, never reuse the first one's.
const caches = new WeakMap<Db, Map<SecretName, Promise<string>>>();

export function instanceSecret(db: Db, name: SecretName): Promise<string> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let secret = cache.get(name);
  if (!secret) {
    const pending = (async () => {
      await db.instanceSecret.createMany({
        data: [{ name, value: randomBytes(32).toString("base64url") }],
        skipDuplicates: true,
      });
      return (await db.instanceSecret.findUniqueOrThrow({ where: { name } })).value;
    })();
    cache.set(name, pending);
    pending.catch(() => cache.delete(name));
    secret = pending;
  }
  return secret;
}
