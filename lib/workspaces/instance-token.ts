import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bearerToken } from "../auth/api-keys";
import { instanceSecret, readInstanceSecret } from "../auth/secrets";
import type { Db } from "../db/client";

/**
 * The embedded database can be opened by one process only, so `npm run workspace` asks the
 * running server to do the work. It proves it may by the instance token, which the server
 * writes beside the data (readable by whoever may read the data anyway) with its address.
 */
export const TOKEN_FILE = "instance-token.json";

export interface InstanceTokenFile {
  url: string;
  token: string;
}

export async function writeInstanceToken(db: Db, dataDir: string, url: string): Promise<void> {
  const file = path.join(dataDir, TOKEN_FILE);
  const body: InstanceTokenFile = { url, token: await instanceSecret(db, "instance_token") };
  // Written whole or not at all: a command reading it mid-write must not see half a token.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function readInstanceToken(dataDir: string): InstanceTokenFile | null {
  try {
    const parsed = JSON.parse(readFileSync(path.join(dataDir, TOKEN_FILE), "utf8")) as Partial<InstanceTokenFile>;
    return typeof parsed.url === "string" && typeof parsed.token === "string"
      ? { url: parsed.url, token: parsed.token }
      : null;
  } catch {
    return null;
  }
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** True when the bearer token is this instance's; never creates one (a PostgreSQL deployment has none). */
export async function isInstanceToken(db: Db, authorization: string | null): Promise<boolean> {
  const given = bearerToken(authorization);
  if (!given) return false;
  const token = await readInstanceSecret(db, "instance_token");
  return token !== null && timingSafeEqual(digest(given), digest(token));
}
