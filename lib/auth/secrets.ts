import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";
import { isSealed, seal, unseal } from "../secrets/seal";
import { sealedAt } from "../secrets/sealed-columns";

/**
 * Secrets generated on first start and kept in the database, so that every app instance
 * sharing it signs sessions and hashes API keys the same way. They are stored sealed with
 * TAPDESK_SECRET_KEY (bound to their row): a copy of the database alone cannot seal a session
 * cookie, hash a guessed API key or pose as `npm run workspace`. `npm run rotate-secret-key`
 * re-seals them with the other sealed columns (lib/secrets/sealed-columns.ts).
 */
export type SecretName = "session" | "api_key_pepper" | "instance_token";

const place = (name: SecretName) => sealedAt("instance_secret", "value", name);

// Cached per database: a process that opens two (tests, tools) must read and write each
// database's own secrets, never reuse the first one's.
const caches = new WeakMap<Db, Map<SecretName, Promise<string>>>();

/** The secret's clear value, or null when it was never created. */
export async function readInstanceSecret(db: Db, name: SecretName): Promise<string | null> {
  const row = await db.instanceSecret.findUnique({ where: { name } });
  if (!row) return null;
  if (isSealed(row.value)) return unseal(row.value, place(name));
  // Written in clear by a Tapdesk from before sealing, and not sealed at start yet (start
  // seals it: lib/bootstrap.ts); the value is the same either way.
  return row.value;
}

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
        data: [{ name, value: await seal(randomBytes(32).toString("base64url"), place(name)) }],
        skipDuplicates: true,
      });
      return (await readInstanceSecret(db, name))!;
    })();
    cache.set(name, pending);
    pending.catch(() => cache.delete(name));
    secret = pending;
  }
  return secret;
}
