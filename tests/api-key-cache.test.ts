import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { authenticateApiKey, createApiKey, revokeApiKey, VERIFIED_KEY_MS } from "@/lib/auth/api-keys";
import { useDatabase } from "@/lib/db/client";
import type { Scope } from "@/lib/scope";
import { seedIfEmpty } from "@/lib/seed";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";

/**
 * API keys verified lately are kept a few seconds (lib/auth/api-keys.ts), and a revocation
 * still takes effect at once: in the instance that revokes, and in every other instance by
 * the NOTIFY the revocation commits with — long before the few seconds are over.
 */
const ROOT = path.resolve(import.meta.dirname, "..");

describe.each(BACKENDS)("verified API keys on %s", (backend) => {
  let t: TestDatabase;
  let scope: Scope;
  const bearer = (key: string) => `Bearer ${key}`;
  const newKey = (name: string) => createApiKey(t.prisma, scope, { name });
  /** Revoked behind the app's back: no notice, as if it had been missed. */
  const revokeSilently = (id: string) => t.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });

  beforeAll(async () => {
    t = await freshDatabase(backend);
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    scope = { workspaceId: seeded!.workspaceId };
    useDatabase(t);
  });
  afterAll(() => t?.dispose());

  it("keeps a verified key: a change nobody announced is not seen within the few seconds", async () => {
    const key = await newKey("kept");
    expect(await authenticateApiKey(t.prisma, bearer(key.key))).toMatchObject({ apiKeyId: key.id });
    await revokeSilently(key.id);
    // Proof that the key is not read again: the row says revoked, the answer is still the caller.
    expect(await authenticateApiKey(t.prisma, bearer(key.key))).toMatchObject({ apiKeyId: key.id });
    expect(VERIFIED_KEY_MS).toBeLessThanOrEqual(5_000);
  });

  it("a revocation in this instance takes effect at once", async () => {
    const key = await newKey("revoked here");
    expect(await authenticateApiKey(t.prisma, bearer(key.key))).not.toBeNull();
    await revokeApiKey(t.prisma, scope, key.id);
    expect(await authenticateApiKey(t.prisma, bearer(key.key))).toBeNull();
  });

  it("forgets every key when notices may have been missed (the LISTEN connection came back)", async () => {
    const key = await newKey("missed");
    expect(await authenticateApiKey(t.prisma, bearer(key.key))).not.toBeNull();
    await revokeSilently(key.id);
    (await t.live()).wakeAll();
    expect(await authenticateApiKey(t.prisma, bearer(key.key))).toBeNull();
  });

  // Only where it applies: registered on postgres alone, so no run reports it skipped.
  if (backend === "postgres")
    it("a revocation by another instance takes effect here by its notice, well within the few seconds", async () => {
      const key = await newKey("revoked elsewhere");
      // Another instance: its own process and connections, revokeApiKey as the API runs it. It
      // opens its database first and revokes when told, so its start takes none of the time below.
      const url = t.url!;
      const script = `
        const { openDatabase } = await import(${JSON.stringify(path.join(ROOT, "lib/db/client.ts"))});
        const { revokeApiKey } = await import(${JSON.stringify(path.join(ROOT, "lib/auth/api-keys.ts"))});
        const d = await openDatabase({ url: ${JSON.stringify(url)} });
        process.stdout.write("ready\\n");
        await new Promise((resolve) => process.stdin.once("data", resolve));
        await revokeApiKey(d.prisma, { workspaceId: ${JSON.stringify(scope.workspaceId)} }, ${JSON.stringify(key.id)});
        await d.close();
        process.exit(0);`;
      const other = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: ROOT,
        env: process.env,
        stdio: ["pipe", "pipe", "inherit"],
      });
      const exited = new Promise<number | null>((resolve) => other.once("exit", resolve));
      await new Promise<void>((resolve, reject) => {
        other.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
        other.once("exit", (code) => reject(new Error(`the other instance exited (${code}) before it was ready`)));
      });
      // Verified (and kept) now; then the other instance revokes it.
      expect(await authenticateApiKey(t.prisma, bearer(key.key))).not.toBeNull();
      const revokedAt = Date.now();
      other.stdin.write("go\n");
      expect(await exited).toBe(0);
      await vi.waitFor(async () => expect(await authenticateApiKey(t.prisma, bearer(key.key))).toBeNull(), {
        timeout: VERIFIED_KEY_MS,
        interval: 5,
      });
      // The notice did it, not the expiry.
      expect(Date.now() - revokedAt).toBeLessThan(VERIFIED_KEY_MS / 2);
    });
});
