import { execFile } from "node:child_process";
import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceSecret } from "@/lib/auth/secrets";
import { openDatabase } from "@/lib/db/client";
import {
  generateSecretKey,
  keyFilePath,
  keyRing,
  parseSecretKey,
  readOrCreateKeyFile,
  sealedKeyId,
  sealWith,
  unseal,
  unsealWith,
} from "@/lib/secrets/seal";
import { resealAll, sealClearSecrets, sealedAt } from "@/lib/secrets/sealed-columns";
import { createEndpoint, rotateSecret } from "@/lib/webhooks/endpoints";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";

const run = promisify(execFile);

async function workspace(db: TestDatabase): Promise<string> {
  const id = randomUUID();
  await db.prisma.workspace.create({ data: { id, name: "sealing" } });
  return id;
}

/** An endpoint row as a Tapdesk without sealing wrote it: the signing secret in clear. */
async function clearEndpoint(db: TestDatabase, workspaceId: string, secret: string, previous: string | null = null) {
  const id = randomUUID();
  await db.prisma.webhookEndpoint.create({
    data: {
      id,
      workspaceId,
      url: "http://127.0.0.1:9/x",
      events: ["reaction.added"],
      secret,
      previousSecret: previous,
    },
  });
  return id;
}

const stored = (db: TestDatabase, id: string) =>
  db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id }, select: { secret: true, previousSecret: true } });

describe.each(BACKENDS)("sealed webhook signing secrets on %s", (backend) => {
  let db: TestDatabase;
  let ws: string;
  beforeAll(async () => {
    db = await freshDatabase(backend);
    ws = await workspace(db);
  });
  afterAll(() => db?.dispose());

  it("stores a new endpoint's secret and a rotated one sealed, never in clear", async () => {
    const scope = { workspaceId: ws, agentId: null, keyId: null };
    const created = await createEndpoint(
      db.prisma,
      scope,
      { url: "http://127.0.0.1:9/a", events: ["reaction.added"] },
      { allowPrivate: true },
    );
    const row = await stored(db, created.id);
    expect(sealedKeyId(row.secret)).toBe(keyRing().current.id);
    expect(row.secret).not.toContain(created.secret.slice(6));
    expect(await unseal(row.secret, sealedAt("webhook_endpoint", "secret", created.id))).toBe(created.secret);

    const rotated = await rotateSecret(db.prisma, scope, created.id, 60);
    const after = await stored(db, created.id);
    expect(await unseal(after.secret, sealedAt("webhook_endpoint", "secret", created.id))).toBe(rotated.secret);
    expect(await unseal(after.previousSecret!, sealedAt("webhook_endpoint", "previous_secret", created.id))).toBe(
      created.secret,
    );
  });

  it("seals rows stored in clear at start, once, even when two instances start together", async () => {
    const a = await clearEndpoint(db, ws, "whsec_Y2xlYXItb25lLWNsZWFyLW9uZS1jbGVhci1vbmUtY2xlYXI=");
    const b = await clearEndpoint(db, ws, "whsec_Y3VycmVudC1zZWNyZXQtY3VycmVudC1zZWNyZXQtY3VycmU=", "whsec_b2xk");
    const [first, second] = await Promise.all([sealClearSecrets(db.prisma), sealClearSecrets(db.prisma)]);
    expect(first + second).toBe(3);
    expect(await sealClearSecrets(db.prisma)).toBe(0);
    expect(await unseal((await stored(db, a)).secret, sealedAt("webhook_endpoint", "secret", a))).toBe(
      "whsec_Y2xlYXItb25lLWNsZWFyLW9uZS1jbGVhci1vbmUtY2xlYXI=",
    );
    const rowB = await stored(db, b);
    expect(await unseal(rowB.secret, sealedAt("webhook_endpoint", "secret", b))).toBe(
      "whsec_Y3VycmVudC1zZWNyZXQtY3VycmVudC1zZWNyZXQtY3VycmU=",
    );
    expect(await unseal(rowB.previousSecret!, sealedAt("webhook_endpoint", "previous_secret", b))).toBe("whsec_b2xk");
  });

  it("seals a BlueBubbles bridge's password and inbound secret stored in clear, and re-seals them", async () => {
    const agentId = randomUUID();
    await db.prisma.agent.create({ data: { id: agentId, workspaceId: ws, name: "Bridged", handle: "+14155550100" } });
    const bridge = await db.prisma.blueBubblesBridge.create({
      data: {
        workspaceId: ws,
        agentId,
        url: "http://127.0.0.1:9",
        password: "hunter2",
        inboundSecret: "s3cret",
        status: "ok",
      },
    });
    expect(await sealClearSecrets(db.prisma)).toBe(2);
    const row = await db.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { id: bridge.id } });
    expect([
      await unseal(row.password, sealedAt("bluebubbles_bridge", "password", agentId)),
      await unseal(row.inboundSecret, sealedAt("bluebubbles_bridge", "inbound_secret", agentId)),
    ]).toEqual(["hunter2", "s3cret"]);
    expect(row.password).not.toContain("hunter2");

    // Re-sealing under a new key takes the bridge's columns along.
    const current = keyRing().current;
    const next = parseSecretKey(generateSecretKey());
    expect(await resealAll(db.prisma, [current], next)).toBeGreaterThanOrEqual(2);
    const resealed = await db.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { id: bridge.id } });
    expect([sealedKeyId(resealed.password), sealedKeyId(resealed.inboundSecret)]).toEqual([next.id, next.id]);
    expect([
      unsealWith([next], resealed.password, sealedAt("bluebubbles_bridge", "password", agentId)),
      unsealWith([next], resealed.inboundSecret, sealedAt("bluebubbles_bridge", "inbound_secret", agentId)),
    ]).toEqual(["hunter2", "s3cret"]);
    // Back under the ring's key, for the tests that follow.
    await resealAll(db.prisma, [current, next], current);
  });

  it("seals instance secrets a Tapdesk from before stored in clear, and binds v1 values, keeping what they open", async () => {
    const fresh = await freshDatabase(backend);
    try {
      const session = "a-session-password-from-an-older-tapdesk-0123456789";
      const pepper = "an-api-key-pepper-from-an-older-tapdesk";
      await fresh.prisma.instanceSecret.createMany({
        data: [
          { name: "session", value: session },
          { name: "api_key_pepper", value: pepper },
          { name: "demo_seed", value: "2026-01-01T00:00:00.000Z" },
        ],
      });
      const wsId = await workspace(fresh);
      // A v1 value: sealed under the current key, bound to nothing.
      const legacy = await clearEndpoint(fresh, wsId, "whsec_placeholder");
      const iv = randomBytes(12);
      const key = keyRing().current;
      const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
      cipher.setAAD(Buffer.from(`tdseal:v1:${key.id}`));
      const body = Buffer.concat([cipher.update("whsec_legacy", "utf8"), cipher.final()]);
      const v1 = [`tdseal:v1:${key.id}`, iv, body, cipher.getAuthTag()]
        .map((f) => (typeof f === "string" ? f : f.toString("base64url")))
        .join(":");
      await fresh.prisma.webhookEndpoint.update({ where: { id: legacy }, data: { secret: v1 } });

      expect(await sealClearSecrets(fresh.prisma)).toBe(3);
      const rows = await fresh.prisma.instanceSecret.findMany({ orderBy: { name: "asc" } });
      expect(rows.map((r) => [r.name, r.value.slice(0, 10)])).toEqual([
        ["api_key_pepper", "tdseal:v2:"],
        ["demo_seed", "2026-01-01"],
        ["session", "tdseal:v2:"],
      ]);
      // The same values open: sessions and API keys issued before keep working.
      expect(await instanceSecret(fresh.prisma, "session")).toBe(session);
      expect(await instanceSecret(fresh.prisma, "api_key_pepper")).toBe(pepper);
      const endpoint = await stored(fresh, legacy);
      expect(await unseal(endpoint.secret, sealedAt("webhook_endpoint", "secret", legacy))).toBe("whsec_legacy");

      // A sealed value moved to another column or row does not open there.
      const sessionRow = rows.find((r) => r.name === "session")!;
      await fresh.prisma.webhookEndpoint.update({ where: { id: legacy }, data: { secret: sessionRow.value } });
      await expect(unseal(sessionRow.value, sealedAt("webhook_endpoint", "secret", legacy))).rejects.toThrow(
        /altered or is damaged/,
      );

      // A rotation re-seals them too, and they still open to the same values.
      const next = parseSecretKey(generateSecretKey());
      await fresh.prisma.webhookEndpoint.update({ where: { id: legacy }, data: { secret: endpoint.secret } });
      expect(await resealAll(fresh.prisma, [key], next)).toBe(3);
      const after = await fresh.prisma.instanceSecret.findUniqueOrThrow({ where: { name: "session" } });
      expect(sealedKeyId(after.value)).toBe(next.id);
      expect(unsealWith([next], after.value, sealedAt("instance_secret", "value", "session"))).toBe(session);
    } finally {
      await fresh.dispose();
    }
  });

  it("re-seals every value under a new key, or none when one cannot be opened", async () => {
    const current = keyRing().current;
    const next = parseSecretKey(generateSecretKey());
    const unknown = parseSecretKey(generateSecretKey());
    const before = await db.prisma.webhookEndpoint.findMany({ select: { id: true, secret: true } });
    const at = (id: string) => sealedAt("webhook_endpoint", "secret", id);
    const bad = await clearEndpoint(db, ws, "whsec_placeholder");
    await db.prisma.webhookEndpoint.update({
      where: { id: bad },
      data: { secret: sealWith(unknown, "whsec_other", sealedAt("webhook_endpoint", "secret", bad)) },
    });
    await expect(resealAll(db.prisma, [current], next)).rejects.toThrow(/not configured/);
    for (const row of before) expect((await stored(db, row.id)).secret).toBe(row.secret);

    await db.prisma.webhookEndpoint.delete({ where: { id: bad } });
    const count = await resealAll(db.prisma, [current], next);
    expect(count).toBeGreaterThanOrEqual(before.length);
    for (const row of before) {
      const now = (await stored(db, row.id)).secret;
      expect(sealedKeyId(now)).toBe(next.id);
      expect(unsealWith([next], now, at(row.id))).toBe(unsealWith([current], row.secret, at(row.id)));
    }
    // Already under the new key: nothing left to do.
    expect(await resealAll(db.prisma, [current], next)).toBe(0);
  });
});

describe("npm run rotate-secret-key", () => {
  const tsx = path.resolve("node_modules/.bin/tsx");
  const script = path.resolve("scripts/rotate-secret-key.ts");
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "tapdesk-rotate-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("on the embedded database, replaces the key beside the data and re-seals everything under it", async () => {
    const data = path.join(dir, "data");
    const old = readOrCreateKeyFile(data).current;
    const database = await openDatabase({ dataDir: data });
    const id = randomUUID();
    const wsId = randomUUID();
    await database.prisma.workspace.create({ data: { id: wsId, name: "rotate" } });
    await database.prisma.webhookEndpoint.create({
      data: {
        id,
        workspaceId: wsId,
        url: "http://127.0.0.1:9/r",
        events: ["reaction.added"],
        secret: sealWith(old, "whsec_rotate_me", sealedAt("webhook_endpoint", "secret", id)),
      },
    });
    await database.close();

    const env = { ...process.env, TAPDESK_DATA_DIR: data, TAPDESK_SECRET_KEY: "", DATABASE_URL: "" };
    const { stdout } = await run(tsx, [script], { env });
    const fresh = readOrCreateKeyFile(data);
    expect(fresh.previous).toEqual([]);
    expect(fresh.current.id).not.toBe(old.id);
    expect(stdout).toContain(`Re-sealed 1 secret(s) under key ${fresh.current.id}`);
    expect(readFileSync(keyFilePath(data), "utf8").trim().split("\n")).toHaveLength(1);

    const reopened = await openDatabase({ dataDir: data });
    const row = await reopened.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });
    await reopened.close();
    expect(sealedKeyId(row.secret)).toBe(fresh.current.id);
    expect(unsealWith([fresh.current], row.secret, sealedAt("webhook_endpoint", "secret", id))).toBe("whsec_rotate_me");
  });

  it("with DATABASE_URL, re-seals under TAPDESK_NEW_SECRET_KEY using TAPDESK_SECRET_KEY, and refuses without a key", async () => {
    const db = await freshDatabase("postgres");
    try {
      const wsId = await workspace(db);
      const oldText = generateSecretKey();
      const newText = generateSecretKey();
      const id = await clearEndpoint(db, wsId, "whsec_placeholder");
      await db.prisma.webhookEndpoint.update({
        where: { id },
        data: { secret: sealWith(parseSecretKey(oldText), "whsec_pg", sealedAt("webhook_endpoint", "secret", id)) },
      });
      const url = db.url!;

      const refused = await run(tsx, [script], {
        env: { ...process.env, DATABASE_URL: url, TAPDESK_SECRET_KEY: "" },
      }).catch((error: { code: number; stderr: string }) => error);
      expect(refused).toMatchObject({ code: 1 });
      expect((refused as { stderr: string }).stderr).toContain("TAPDESK_SECRET_KEY is required with DATABASE_URL");

      const { stdout } = await run(tsx, [script], {
        env: { ...process.env, DATABASE_URL: url, TAPDESK_SECRET_KEY: oldText, TAPDESK_NEW_SECRET_KEY: newText },
      });
      expect(stdout).toContain(`Re-sealed 1 secret(s) under key ${parseSecretKey(newText).id}`);
      const row = await stored(db, id);
      expect(unsealWith([parseSecretKey(newText)], row.secret, sealedAt("webhook_endpoint", "secret", id))).toBe(
        "whsec_pg",
      );
    } finally {
      await db.dispose();
    }
  });
});
