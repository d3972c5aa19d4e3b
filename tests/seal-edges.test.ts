import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  generateSecretKey,
  isSealed,
  keyFilePath,
  loadKeyRing,
  parseSecretKey,
  readOrCreateKeyFile,
  type SecretKey,
  SecretKeyError,
  sealedKeyId,
  sealWith,
  UnsealError,
  unsealWith,
  writeKeyFile,
} from "@/lib/secrets/seal";

/**
 * The edges of sealing (lib/secrets/seal.ts) tests/seal.test.ts leaves open: which key texts
 * parse, what each refusal says, the sealed format's fields, and the key file's corners.
 */

const CTX = { table: "webhook_endpoint", column: "secret", row: "row-1" };
const HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const B64 = Buffer.from(HEX, "hex").toString("base64"); // 44 characters, one "=".
const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tapdesk-seal-edges-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const unsealError = (keys: Parameters<typeof unsealWith>[0], sealed: string) => {
  try {
    unsealWith(keys, sealed, CTX);
  } catch (error) {
    expect(error).toBeInstanceOf(UnsealError);
    return (error as Error).message;
  }
  throw new Error("unsealed");
};

describe("parseSecretKey", () => {
  it("reads 32 bytes as hex, base64 (padded or not) or base64url, around whitespace, to one id", () => {
    const id = parseSecretKey(HEX).id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(parseSecretKey(HEX).bytes.equals(Buffer.from(HEX, "hex"))).toBe(true);
    expect(parseSecretKey(HEX.toUpperCase()).id).toBe(id);
    expect(parseSecretKey(` ${B64}\n`).id).toBe(id);
    expect(parseSecretKey(B64.replace(/=$/, "")).id).toBe(id);
    const url = Buffer.from(HEX, "hex").toString("base64url");
    expect(parseSecretKey(url).id).toBe(id);
    expect(parseSecretKey(generateSecretKey()).id).not.toBe(id);
  });

  it("refuses anything else, naming where it came from", () => {
    for (const bad of ["", HEX.slice(1), `${HEX}0`, `x${HEX}`, `${B64}=`, `${B64.slice(0, 42)}`, `!${B64.slice(1)}`]) {
      expect(() => parseSecretKey(bad), JSON.stringify(bad)).toThrow(SecretKeyError);
    }
    expect(() => parseSecretKey("short")).toThrow(
      "TAPDESK_SECRET_KEY must be 32 random bytes written as base64 or hex; generate one with `openssl rand -base64 32`.",
    );
    expect(() => parseSecretKey("short", "The key file k")).toThrow(/^The key file k must be 32 random bytes/);
  });

  it("generates keys that parse, each different", () => {
    const a = generateSecretKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(parseSecretKey(a).bytes).toHaveLength(32);
    expect(generateSecretKey()).not.toBe(a);
  });
});

describe("the sealed format", () => {
  // Parsed before each test, not at collection (see tests/seal.test.ts).
  let key: SecretKey;
  let other: SecretKey;
  beforeEach(() => {
    key = parseSecretKey(HEX);
    other = parseSecretKey(generateSecretKey());
  });

  it("is tdseal:v2:<key id>:… and opens to the same text, any Unicode included", () => {
    const plain = "pässwörd 🎉 \u0000 end";
    const sealed = sealWith(key, plain, CTX);
    expect(sealed.split(":")).toHaveLength(6);
    expect(sealed.startsWith(`tdseal:v2:${key.id}:`)).toBe(true);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe(key.id);
    expect(unsealWith([other, key], sealed, CTX)).toBe(plain);
    expect(sealWith(key, plain, CTX)).not.toBe(sealed);
  });

  it("tells sealed values from others by their whole header", () => {
    expect(isSealed("tdseal")).toBe(false);
    expect(isSealed("xtdseal:v1")).toBe(false);
    expect(isSealed("whsec_abc")).toBe(false);
    const [, , id, iv, body, tag] = sealWith(key, "x", CTX).split(":");
    expect(sealedKeyId(`tdseal:v2:${id}:${iv}:${body}`)).toBeNull();
    expect(sealedKeyId(`other:v1:${id}:${iv}:${body}:${tag}`)).toBeNull();
    expect(sealedKeyId(`tdseal:v9:${id}:${iv}:${body}:${tag}`)).toBeNull();
  });

  it("says why a value cannot be opened", () => {
    const sealed = sealWith(key, "secret", CTX);
    const [, , id, iv, body, tag] = sealed.split(":");
    expect(unsealError([key], "secret")).toBe("The value is not a sealed secret.");
    expect(unsealError([key], `tdseal:v2:${id}:${iv}:${body}`)).toBe("The value is not a sealed secret.");
    expect(unsealError([key], `other:v1:${id}:${iv}:${body}:${tag}`)).toBe("The value is not a sealed secret.");
    expect(unsealError([key], `tdseal:v9:${id}:${iv}:${body}:${tag}`)).toBe(
      "Sealed secrets of format v9 are not supported here.",
    );
    expect(unsealError([other], sealed)).toBe(
      `The secret was sealed under key ${key.id}, which is not configured (TAPDESK_SECRET_KEY, TAPDESK_SECRET_KEY_PREVIOUS).`,
    );
    const flipped = `${body!.slice(0, -1)}${body!.endsWith("A") ? "B" : "A"}`;
    expect(unsealError([key], `tdseal:v2:${id}:${iv}:${flipped}:${tag}`)).toBe(
      "The sealed secret was altered or is damaged.",
    );
    // The header is authenticated: the same fields under another configured key's id do not open.
    const relabelled = `tdseal:v2:${other.id}:${iv}:${body}:${tag}`;
    const twin = { id: other.id, bytes: key.bytes };
    expect(unsealError([twin], relabelled)).toBe("The sealed secret was altered or is damaged.");
  });
});

describe("the key file", () => {
  it("is created with its directory, readable by its owner only, holding one key", () => {
    const dir = path.join(scratch(), "nested", "data");
    const ring = readOrCreateKeyFile(dir);
    const file = keyFilePath(dir);
    expect(file).toBe(path.join(dir, "tapdesk-secret.key"));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(ring).toEqual({ current: parseSecretKey(text), previous: [], source: "file" });
    // Read again, not replaced.
    expect(readOrCreateKeyFile(dir).current.id).toBe(ring.current.id);
  });

  it("reads the current key first and keys being rotated out after it, blank lines aside", () => {
    const dir = scratch();
    const [a, b] = [generateSecretKey(), generateSecretKey()];
    writeFileSync(keyFilePath(dir), `\n${a}\n  \n${b}\n`);
    const ring = readOrCreateKeyFile(dir);
    expect(ring.current.id).toBe(parseSecretKey(a).id);
    expect(ring.previous.map((k) => k.id)).toEqual([parseSecretKey(b).id]);
  });

  it("says what is wrong with an empty, unreadable or damaged file", () => {
    const dir = scratch();
    const file = keyFilePath(dir);
    writeFileSync(file, "\n  \n");
    expect(() => readOrCreateKeyFile(dir)).toThrow(new SecretKeyError(`The secret key file ${file} is empty.`));
    writeFileSync(file, "not a key\n");
    expect(() => readOrCreateKeyFile(dir)).toThrow(`The secret key file ${file} must be 32 random bytes`);
    const unreadable = scratch();
    mkdirSync(keyFilePath(unreadable));
    expect(() => readOrCreateKeyFile(unreadable)).toThrow(/^The secret key file .* cannot be read \(EISDIR/);
  });

  it("is replaced whole, 0600, with no temporary file left", () => {
    const dir = scratch();
    const keys = [generateSecretKey(), generateSecretKey()];
    writeKeyFile(dir, keys);
    expect(readFileSync(keyFilePath(dir), "utf8")).toBe(`${keys[0]}\n${keys[1]}\n`);
    expect(statSync(keyFilePath(dir)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["tapdesk-secret.key"]);
  });
});

describe("loadKeyRing", () => {
  it("takes TAPDESK_SECRET_KEY and the comma-separated previous keys, blanks aside", () => {
    const [a, b, c] = [generateSecretKey(), generateSecretKey(), generateSecretKey()];
    const ring = loadKeyRing({ TAPDESK_SECRET_KEY: a, TAPDESK_SECRET_KEY_PREVIOUS: ` ${b}, ,${c}` });
    expect(ring.source).toBe("env");
    expect(ring.current.id).toBe(parseSecretKey(a).id);
    expect(ring.previous.map((k) => k.id)).toEqual([parseSecretKey(b).id, parseSecretKey(c).id]);
    expect(loadKeyRing({ TAPDESK_SECRET_KEY: a }).previous).toEqual([]);
    expect(() => loadKeyRing({ TAPDESK_SECRET_KEY: a, TAPDESK_SECRET_KEY_PREVIOUS: "nope" })).toThrow(
      /^TAPDESK_SECRET_KEY_PREVIOUS must be/,
    );
    expect(() => loadKeyRing({ TAPDESK_SECRET_KEY: "nope" })).toThrow(/^TAPDESK_SECRET_KEY must be/);
  });

  it("wants the key with DATABASE_URL, and otherwise keeps it beside the embedded database", () => {
    expect(() => loadKeyRing({ DATABASE_URL: "postgres://x" })).toThrow(
      /^TAPDESK_SECRET_KEY is required with DATABASE_URL/,
    );
    const dir = scratch();
    const previous = generateSecretKey();
    const ring = loadKeyRing({ TAPDESK_DATA_DIR: dir, TAPDESK_SECRET_KEY_PREVIOUS: previous });
    expect(ring.source).toBe("file");
    expect(ring.current.id).toBe(parseSecretKey(readFileSync(keyFilePath(dir), "utf8")).id);
    expect(ring.previous.map((k) => k.id)).toEqual([parseSecretKey(previous).id]);
  });
});
