import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  generateSecretKey,
  isLegacySealed,
  keyFilePath,
  keyRing,
  loadKeyRing,
  parseSecretKey,
  readOrCreateKeyFile,
  resetKeyRing,
  SecretKeyError,
  sealedKeyId,
  sealWith,
  UnsealError,
  unsealWith,
} from "@/lib/secrets/seal";

/**
 * What tests/seal.test.ts and tests/seal-edges.test.ts leave to chance (found by `npm run mutate`):
 * two first starts racing on the key file, a key file that cannot be written, the default data
 * directory, forgetting the loaded keys, the key id's derivation, and the place binding's
 * separator.
 *
 * Equivalent mutants of lib/secrets/seal.ts that no test can kill (left in the score):
 * - `cipher.update(plain, "utf8")` → `cipher.update(plain, "")`: Node reads an empty encoding
 *   as UTF-8, so the ciphertext is byte for byte the same.
 * - `Symbol.for("tapdesk.secret-keys")` → `Symbol.for("")`: the symbol only has to be the same
 *   one on each call within the process; nothing else in Tapdesk reads it.
 */

// Stands in for another process at the file system: `onRead`/`onWrite` run before the real call.
const fsHooks = vi.hoisted(() => ({
  onRead: null as ((file: string) => void) | null,
  onWrite: null as ((file: string) => void) | null,
}));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const readFileSync = ((...args: Parameters<typeof actual.readFileSync>) => {
    fsHooks.onRead?.(String(args[0]));
    return actual.readFileSync(...args);
  }) as typeof actual.readFileSync;
  const writeFileSync = ((...args: Parameters<typeof actual.writeFileSync>) => {
    fsHooks.onWrite?.(String(args[0]));
    return actual.writeFileSync(...args);
  }) as typeof actual.writeFileSync;
  return { ...actual, default: { ...actual, readFileSync, writeFileSync }, readFileSync, writeFileSync };
});
const fs = await vi.importActual<typeof import("node:fs")>("node:fs");

const CTX = { table: "webhook_endpoint", column: "secret", row: "row-1" };
const HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "tapdesk-seal-ring-"));
  dirs.push(dir);
  return dir;
};
const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });
afterEach(() => {
  fsHooks.onRead = null;
  fsHooks.onWrite = null;
  resetKeyRing();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the key file's first write", () => {
  it("of two first starts racing, takes the key the other wrote rather than replacing it", () => {
    const dir = scratch();
    const rival = generateSecretKey();
    const file = keyFilePath(dir);
    // The other process writes its key just after this one found no file.
    fsHooks.onRead = (at) => {
      if (at !== file) return;
      fsHooks.onRead = null;
      fs.writeFileSync(file, `${rival}\n`, { mode: 0o600 });
      throw errno("ENOENT");
    };
    const ring = readOrCreateKeyFile(dir);
    expect(ring.current.id).toBe(parseSecretKey(rival).id);
    expect(fs.readFileSync(file, "utf8")).toBe(`${rival}\n`);
  });

  it("says the file cannot be written when writing fails for another reason", () => {
    const dir = scratch();
    const file = keyFilePath(dir);
    fsHooks.onWrite = (at) => {
      if (at === file) throw errno("EACCES");
    };
    expect(() => readOrCreateKeyFile(dir)).toThrow(
      new SecretKeyError(`The secret key file ${file} cannot be written (EACCES: simulated).`),
    );
  });
});

describe("the process's keys", () => {
  it("default to ./data beside the working directory", () => {
    // Where the key file is looked for, stopped there (nothing is created in the working directory).
    const looked: string[] = [];
    fsHooks.onRead = (at) => {
      looked.push(at);
      throw errno("EACCES");
    };
    expect(() => loadKeyRing({})).toThrow(/^The secret key file data\/tapdesk-secret\.key cannot be read \(EACCES/);
    expect(looked).toEqual([path.join("data", "tapdesk-secret.key")]);
  });

  it("are loaded once and read again after resetKeyRing (a rotation)", () => {
    const saved = process.env.TAPDESK_SECRET_KEY;
    const [a, b] = [generateSecretKey(), generateSecretKey()];
    try {
      process.env.TAPDESK_SECRET_KEY = a;
      resetKeyRing();
      expect(keyRing().current.id).toBe(parseSecretKey(a).id);
      process.env.TAPDESK_SECRET_KEY = b;
      expect(keyRing().current.id).toBe(parseSecretKey(a).id);
      resetKeyRing();
      expect(keyRing().current.id).toBe(parseSecretKey(b).id);
    } finally {
      process.env.TAPDESK_SECRET_KEY = saved;
    }
  });
});

describe("keys and sealed values", () => {
  it("name a key by a fixed derivation, so values sealed by an older Tapdesk still name their key", () => {
    expect(parseSecretKey(HEX).id).toBe("1IswD9kp");
  });

  it("refuses a key text with anything before its 43 base64 characters", () => {
    const url = Buffer.from(HEX, "hex").toString("base64url");
    for (const bad of [`!${url}`, `.${url}`]) expect(() => parseSecretKey(bad), bad).toThrow(SecretKeyError);
  });

  it("tells v1 values from others by their whole header", () => {
    const v2 = sealWith(parseSecretKey(HEX), "x", CTX);
    expect(isLegacySealed(v2.replace(":v2:", ":v1:"))).toBe(true);
    expect(isLegacySealed(v2)).toBe(false);
    expect(isLegacySealed("whsec_abc")).toBe(false);
    expect(isLegacySealed(`x${v2.replace(":v2:", ":v1:")}`)).toBe(false);
  });

  it("reads the key id of tdseal values only", () => {
    const [, , id, iv, body, tag] = sealWith(parseSecretKey(HEX), "x", CTX).split(":");
    expect(sealedKeyId(`other:v2:${id}:${iv}:${body}:${tag}`)).toBeNull();
  });

  it("bind table, column and row as separate fields: moving characters between them does not open the value", () => {
    const key = parseSecretKey(HEX);
    const sealed = sealWith(key, "secret", { table: "ab", column: "c", row: "d" });
    expect(() => unsealWith([key], sealed, { table: "a", column: "bc", row: "d" })).toThrow(UnsealError);
    expect(() => unsealWith([key], sealed, { table: "ab", column: "", row: "cd" })).toThrow(UnsealError);
    expect(unsealWith([key], sealed, { table: "ab", column: "c", row: "d" })).toBe("secret");
  });
});
