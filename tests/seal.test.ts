import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  generateSecretKey,
  isSealed,
  keyFilePath,
  loadKeyRing,
  parseSecretKey,
  resetKeyRing,
  type SecretKey,
  SecretKeyError,
  seal,
  sealedKeyId,
  sealWith,
  UnsealError,
  unseal,
  unsealLegacyWith,
  unsealWith,
} from "@/lib/secrets/seal";

// Made before each test, not when the file is collected: a parser that throws then would fail
// the file's collection, which mutation testing (npm run mutate) does not count as a failure.
let keyA: SecretKey;
let keyB: SecretKey;
beforeEach(() => {
  keyA = parseSecretKey(generateSecretKey());
  keyB = parseSecretKey(generateSecretKey());
});
/** Where the values of these tests are kept. */
const AT = { table: "webhook_endpoint", column: "secret", row: "0b0e3f6e-3f0b-4b5e-9d54-1a0f1b2c3d4e" };

describe("sealing", () => {
  it("round-trips any text, with a fresh nonce each time, and never contains the plain text", () => {
    for (const plain of ["whsec_abc", "", "pässwörd 🔐 with: colons", "x".repeat(10_000)]) {
      const a = sealWith(keyA, plain, AT);
      const b = sealWith(keyA, plain, AT);
      expect(a).not.toBe(b);
      expect(isSealed(a)).toBe(true);
      if (plain.length > 3) expect(a).not.toContain(plain);
      expect(unsealWith([keyA], a, AT)).toBe(plain);
    }
  });

  it("names its format version and key, so a rotation can tell old values from new", () => {
    const sealed = sealWith(keyA, "secret", AT);
    expect(sealed.startsWith(`tdseal:v2:${keyA.id}:`)).toBe(true);
    expect(sealedKeyId(sealed)).toBe(keyA.id);
    expect(sealedKeyId("whsec_clear")).toBeNull();
    expect(keyA.id).not.toBe(keyB.id);
  });

  it("refuses a value altered anywhere, including its header", () => {
    const sealed = sealWith(keyA, "the bridge password", AT);
    const fields = sealed.split(":");
    for (let i = 3; i < fields.length; i++) {
      const altered = [...fields];
      const field = altered[i]!;
      altered[i] = (field[0] === "A" ? "B" : "A") + field.slice(1);
      expect(() => unsealWith([keyA], altered.join(":"), AT)).toThrow(UnsealError);
    }
    // Another key's id in the header: unsealing with that key fails authentication.
    const relabelled = [fields[0], fields[1], keyB.id, ...fields.slice(3)].join(":");
    expect(() => unsealWith([keyA, keyB], relabelled, AT)).toThrow(UnsealError);
    expect(() => unsealWith([keyA], sealed.replace(":v2:", ":v9:"), AT)).toThrow(/format v9/);
    expect(() => unsealWith([keyA], "whsec_clear", AT)).toThrow(/not a sealed secret/);
  });

  it("opens a value only in the table, column and row it was sealed for", () => {
    const password = sealWith(keyA, "the bridge password", {
      table: "bluebubbles_bridge",
      column: "password",
      row: "5a1c7f0e-2b44-4c1e-8a3d-6f1e2d3c4b5a",
    });
    // Moved into a webhook's secret column (an attacker with write access to the database).
    expect(() => unsealWith([keyA], password, AT)).toThrow(UnsealError);
    // Into another row or another column of the same table.
    expect(() =>
      unsealWith([keyA], password, { table: "bluebubbles_bridge", column: "password", row: AT.row }),
    ).toThrow(UnsealError);
    expect(() =>
      unsealWith([keyA], password, {
        table: "bluebubbles_bridge",
        column: "inbound_secret",
        row: "5a1c7f0e-2b44-4c1e-8a3d-6f1e2d3c4b5a",
      }),
    ).toThrow(UnsealError);
    expect(
      unsealWith([keyA], password, {
        table: "bluebubbles_bridge",
        column: "password",
        row: "5a1c7f0e-2b44-4c1e-8a3d-6f1e2d3c4b5a",
      }),
    ).toBe("the bridge password");
  });

  it("reads values sealed before the binding (v1) only to re-seal them", () => {
    // A v1 value as Tapdesk 0.1 sealed it: AES-256-GCM with the header alone as additional data.
    const iv = randomBytes(12);
    const header = `tdseal:v1:${keyA.id}`;
    const cipher = createCipheriv("aes-256-gcm", keyA.bytes, iv);
    cipher.setAAD(Buffer.from(header));
    const body = Buffer.concat([cipher.update("whsec_old", "utf8"), cipher.final()]);
    const legacy = [
      header,
      iv.toString("base64url"),
      body.toString("base64url"),
      cipher.getAuthTag().toString("base64url"),
    ].join(":");
    expect(unsealLegacyWith([keyA], legacy)).toBe("whsec_old");
    expect(() => unsealWith([keyA], legacy, AT)).toThrow(/format v1/);
  });

  it("unseals only with the key that sealed, and accepts keys being rotated out", () => {
    const sealed = sealWith(keyA, "s3cret", AT);
    expect(() => unsealWith([keyB], sealed, AT)).toThrow(/not configured/);
    expect(unsealWith([keyB, keyA], sealed, AT)).toBe("s3cret");
  });

  it("accepts 32-byte keys as base64, base64url or hex, and explains anything else", () => {
    const bytes = Buffer.alloc(32, 7);
    const ids = [bytes.toString("base64"), bytes.toString("base64url"), bytes.toString("hex")].map(
      (text) => parseSecretKey(text).id,
    );
    expect(new Set(ids).size).toBe(1);
    for (const bad of ["", "short", "x".repeat(64), Buffer.alloc(16).toString("base64")]) {
      expect(() => parseSecretKey(bad)).toThrow(
        "TAPDESK_SECRET_KEY must be 32 random bytes written as base64 or hex; generate one with `openssl rand -base64 32`.",
      );
    }
  });
});

describe("the process's keys", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tapdesk-seal-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    resetKeyRing();
  });

  it("requires TAPDESK_SECRET_KEY with DATABASE_URL, in a sentence", () => {
    expect(() => loadKeyRing({ DATABASE_URL: "postgres://db/tapdesk" })).toThrow(SecretKeyError);
    expect(() => loadKeyRing({ DATABASE_URL: "postgres://db/tapdesk" })).toThrow(
      /^TAPDESK_SECRET_KEY is required with DATABASE_URL/,
    );
    const key = generateSecretKey();
    expect(loadKeyRing({ DATABASE_URL: "postgres://db/tapdesk", TAPDESK_SECRET_KEY: key }).current.id).toBe(
      parseSecretKey(key).id,
    );
  });

  it("generates a key beside the embedded database on first start, readable by the owner only, and keeps it", () => {
    const dir = path.join(tempDir(), "data");
    const first = loadKeyRing({ TAPDESK_DATA_DIR: dir });
    expect(first.source).toBe("file");
    expect(statSync(keyFilePath(dir)).mode & 0o777).toBe(0o600);
    const again = loadKeyRing({ TAPDESK_DATA_DIR: dir });
    expect(again.current.id).toBe(first.current.id);
    const sealed = sealWith(first.current, "kept across restarts", AT);
    expect(unsealWith([again.current], sealed, AT)).toBe("kept across restarts");
  });

  it("reads keys being rotated out from the key file's later lines and from TAPDESK_SECRET_KEY_PREVIOUS", () => {
    const dir = tempDir();
    const [current, old, older] = [generateSecretKey(), generateSecretKey(), generateSecretKey()];
    writeFileSync(keyFilePath(dir), `${current}\n${old}\n`);
    const ring = loadKeyRing({ TAPDESK_DATA_DIR: dir, TAPDESK_SECRET_KEY_PREVIOUS: older });
    expect(ring.current.id).toBe(parseSecretKey(current).id);
    expect(ring.previous.map((k) => k.id)).toEqual([parseSecretKey(old).id, parseSecretKey(older).id]);
    expect(readFileSync(keyFilePath(dir), "utf8")).toBe(`${current}\n${old}\n`);
  });

  it("seal and unseal use TAPDESK_SECRET_KEY", async () => {
    const key = generateSecretKey();
    const saved = process.env.TAPDESK_SECRET_KEY;
    process.env.TAPDESK_SECRET_KEY = key;
    resetKeyRing();
    try {
      const sealed = await seal("whsec_xyz", AT);
      expect(sealedKeyId(sealed)).toBe(parseSecretKey(key).id);
      expect(await unseal(sealed, AT)).toBe("whsec_xyz");
    } finally {
      process.env.TAPDESK_SECRET_KEY = saved;
    }
  });
});
