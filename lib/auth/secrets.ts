import { randomBytes } from "node:crypto";
import type { Db } from "../db/client";

/**
 * Secrets generated on first start and kept in the database, so that every app instance
 * sharing it signs sessions and hashes API keys the same way.
 */
const cache = new Map<string, Promise<string>>();

export function instanceSecret(db: Db, name: "session" | "api_key_pepper"): Promise<string> {
  let secret = cache.get(name);
  if (!secret) {
    secret = (async () => {
      await db.instanceSecret.createMany({
        data: [{ name, value: randomBytes(32).toString("base64url") }],
        skipDuplicates: true,
      });
      return (await db.instanceSecret.findUniqueOrThrow({ where: { name } })).value;
    })();
    cache.set(name, secret);
    secret.catch(() => cache.delete(name));
  }
  return secret;
}
