import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Secrets Tapdesk must use again later (webhook signing secrets, bridge passwords) are kept
 * sealed: AES-256-GCM under a key that never enters the database, so a copy of the database
 * alone (a backup, a dump, read access) reveals none of them.
 *
 * A sealed value is self-describing: `tdseal:v2:<key id>:<iv>:<ciphertext>:<tag>` (base64url
 * fields). The version names the algorithm; the key id (a hash of the key, not the key) lets
 * a rotation tell values sealed under the old key from those already under the new one, and
 * lets several keys be accepted while a rotation is under way. The header is authenticated
 * with the ciphertext, so no field can be altered without `unseal` refusing the value.
 *
 * A v2 value is also bound to where it is kept (its table, column and row, authenticated as
 * additional data): whoever can write the database cannot move a sealed bridge password into
 * a webhook's secret column, or one endpoint's secret to another, and have it open there.
 * v1 values (sealed before that binding) are opened only to be re-sealed as v2 at start
 * (sealed-columns.ts).
 */

const PREFIX = "tdseal";
const VERSION = "v2";
const LEGACY_VERSION = "v1";
const KEY_FILE = "tapdesk-secret.key";

/** Where a sealed value is kept: it opens only there. */
export interface SealContext {
  table: string;
  column: string;
  /** The row's key (an id, or a name). */
  row: string;
}

const aad = (header: string, context: SealContext | null) =>
  Buffer.from(context ? [header, context.table, context.column, context.row].join("\n") : header);

export interface SecretKey {
  /** Names the key inside sealed values; derived from it, safe to show. */
  id: string;
  bytes: Buffer;
}

/** A configuration problem, stated as one sentence an operator can act on. */
export class SecretKeyError extends Error {}

/** Thrown for a value that was not sealed by Tapdesk, was altered, or was sealed under an unknown key. */
export class UnsealError extends Error {}

/** Parses a key: 32 bytes as base64, base64url or hex (`openssl rand -base64 32`). */
export function parseSecretKey(text: string, source = "TAPDESK_SECRET_KEY"): SecretKey {
  const trimmed = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) bytes = Buffer.from(trimmed, "hex");
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) bytes = Buffer.from(trimmed, "base64");
  if (bytes?.length !== 32) {
    throw new SecretKeyError(
      `${source} must be 32 random bytes written as base64 or hex; generate one with \`openssl rand -base64 32\`.`,
    );
  }
  const id = createHash("sha256").update("tapdesk-seal-key-id").update(bytes).digest("base64url").slice(0, 8);
  return { id, bytes };
}

/** A fresh random key, written as base64url. */
export function generateSecretKey(): string {
  return randomBytes(32).toString("base64url");
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${PREFIX}:`);
}

/** The id of the key a value was sealed under, for values of the current format (null otherwise). */
export function sealedKeyId(sealed: string): string | null {
  const fields = sealed.split(":");
  return fields.length === 6 && fields[0] === PREFIX && fields[1] === VERSION ? fields[2]! : null;
}

/** True for a value sealed before values were bound to their place (format v1). */
export function isLegacySealed(value: string): boolean {
  return value.startsWith(`${PREFIX}:${LEGACY_VERSION}:`);
}

export function sealWith(key: SecretKey, plain: string, context: SealContext): string {
  const iv = randomBytes(12);
  const header = `${PREFIX}:${VERSION}:${key.id}`;
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
  cipher.setAAD(aad(header, context));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [header, iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(
    ":",
  );
}

/** Unseals with whichever of `keys` sealed the value, only at the place it was sealed for. */
export function unsealWith(keys: readonly SecretKey[], sealed: string, context: SealContext): string {
  return open(keys, sealed, VERSION, context);
}

/** Opens a v1 value (not bound to a place), to re-seal it as v2; nothing else may read v1. */
export function unsealLegacyWith(keys: readonly SecretKey[], sealed: string): string {
  return open(keys, sealed, LEGACY_VERSION, null);
}

function open(keys: readonly SecretKey[], sealed: string, expected: string, context: SealContext | null): string {
  const fields = sealed.split(":");
  if (fields.length !== 6 || fields[0] !== PREFIX) throw new UnsealError("The value is not a sealed secret.");
  const [, version, id, iv, body, tag] = fields as [string, string, string, string, string, string];
  if (version !== expected) throw new UnsealError(`Sealed secrets of format ${version} are not supported here.`);
  const key = keys.find((k) => k.id === id);
  if (!key) {
    throw new UnsealError(
      `The secret was sealed under key ${id}, which is not configured (TAPDESK_SECRET_KEY, TAPDESK_SECRET_KEY_PREVIOUS).`,
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, Buffer.from(iv, "base64url"));
    decipher.setAAD(aad(`${PREFIX}:${version}:${id}`, context));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new UnsealError("The sealed secret was altered or is damaged.");
  }
}

export interface KeyRing {
  /** Seals new values. */
  current: SecretKey;
  /** Also accepted when unsealing: keys being rotated out. */
  previous: SecretKey[];
  /** Where the key came from, for messages. */
  source: "env" | "file";
}

export function keyFilePath(dataDir: string): string {
  return path.join(dataDir, KEY_FILE);
}

/**
 * The key file beside the embedded database: the current key on its first line, keys being
 * rotated out on the lines after it. Created (0600) on first start.
 */
export function readOrCreateKeyFile(dataDir: string): KeyRing {
  const file = keyFilePath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new SecretKeyError(`The secret key file ${file} cannot be read (${(error as Error).message}).`);
    }
    // Owner-only like the database beside it (lib/db/data-dir.ts); a first start creates it here.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    text = `${generateSecretKey()}\n`;
    try {
      // `wx`: of two processes racing on a first start, one key wins and the other reads it.
      writeFileSync(file, text, { mode: 0o600, flag: "wx" });
    } catch (raced) {
      if ((raced as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new SecretKeyError(`The secret key file ${file} cannot be written (${(raced as Error).message}).`);
      }
      text = readFileSync(file, "utf8");
    }
  }
  const lines = text.split("\n").filter((line) => line.trim());
  if (lines.length === 0) throw new SecretKeyError(`The secret key file ${file} is empty.`);
  const [current, ...previous] = lines.map((line) => parseSecretKey(line, `The secret key file ${file}`));
  return { current: current!, previous, source: "file" };
}

/** Replaces the key file atomically (write, then rename), so a crash leaves the old or the new file whole. */
export function writeKeyFile(dataDir: string, keys: string[]): void {
  const file = keyFilePath(dataDir);
  const temp = `${file}.tmp`;
  writeFileSync(temp, `${keys.join("\n")}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/**
 * The process's keys: `TAPDESK_SECRET_KEY` (plus `TAPDESK_SECRET_KEY_PREVIOUS`, comma-separated,
 * during a rotation); without it, the key file in the embedded database's directory. A shared
 * PostgreSQL database needs the same key on every instance, so there it must be given.
 */
export function loadKeyRing(env: Record<string, string | undefined> = process.env): KeyRing {
  const previous = (env.TAPDESK_SECRET_KEY_PREVIOUS ?? "")
    .split(",")
    .filter((k) => k.trim())
    .map((k) => parseSecretKey(k, "TAPDESK_SECRET_KEY_PREVIOUS"));
  if (env.TAPDESK_SECRET_KEY) {
    return { current: parseSecretKey(env.TAPDESK_SECRET_KEY), previous, source: "env" };
  }
  if (env.DATABASE_URL) {
    throw new SecretKeyError(
      "TAPDESK_SECRET_KEY is required with DATABASE_URL (every instance must seal secrets with the same key); generate one with `openssl rand -base64 32`.",
    );
  }
  const ring = readOrCreateKeyFile(env.TAPDESK_DATA_DIR || "./data");
  return { ...ring, previous: [...ring.previous, ...previous] };
}

// Loaded once per process, on first use (never at import: `next build` imports this module).
const RING = Symbol.for("tapdesk.secret-keys");
type Holder = { [RING]?: KeyRing };

export function keyRing(): KeyRing {
  const holder = globalThis as Holder;
  holder[RING] ??= loadKeyRing();
  return holder[RING];
}

/** Forgets the loaded keys (after a rotation, and in tests). */
export function resetKeyRing(): void {
  delete (globalThis as Holder)[RING];
}

/** Seals `plain` under the current key, for the place `context` names. */
export async function seal(plain: string, context: SealContext): Promise<string> {
  return sealWith(keyRing().current, plain, context);
}

/** Opens a value `seal` produced for `context`, under the current key or one being rotated out. */
export async function unseal(sealed: string, context: SealContext): Promise<string> {
  const ring = keyRing();
  return unsealWith([ring.current, ...ring.previous], sealed, context);
}
