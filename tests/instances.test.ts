import { createHmac } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { authenticateApiKey, createApiKey, hashApiKey } from "@/lib/auth/api-keys";
import { instanceSecret } from "@/lib/auth/secrets";
import { openDatabase } from "@/lib/db/client";
import { readMigrations } from "@/lib/db/migrate";
import { seedIfEmpty } from "@/lib/seed";
import { freshDatabase, PG_URL } from "./helpers/db";

describe("instance secrets", () => {
  it("belong to each database: a process with two reads and writes each one's own", async () => {
    const [lite, postgres] = [await freshDatabase("pglite"), await freshDatabase("postgres")];
    try {
      // The embedded database first, as in every test file that runs both backends.
      const liteHash = await hashApiKey(lite.prisma, "td_same");
      const pgHash = await hashApiKey(postgres.prisma, "td_same");
      expect(pgHash).not.toBe(liteHash);
      for (const db of [lite, postgres]) {
        const rows = await db.sql.query<{ name: string; value: string }>(
          "SELECT name, value FROM instance_secret WHERE name = 'api_key_pepper'",
        );
        expect(rows).toHaveLength(1);
        // Stored sealed (a copy of the database alone cannot hash keys): the row is not the pepper.
        expect(rows[0]!.value).toMatch(/^tdseal:v2:/);
        const pepper = await instanceSecret(db.prisma, "api_key_pepper");
        expect(pepper).not.toBe(rows[0]!.value);
        expect(await hashApiKey(db.prisma, "td_same")).toBe(
          createHmac("sha256", pepper).update("td_same").digest("hex"),
        );
      }
    } finally {
      await lite.dispose();
      await postgres.dispose();
    }
  });
});

describe("two instances starting together on an empty PostgreSQL database", () => {
  it("one migrates and seeds, both serve, and they share one set of secrets", async () => {
    const name = `tapdesk_test_twostart_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    try {
      const [one, two] = await Promise.all([
        openDatabase({ url: url.toString() }),
        openDatabase({ url: url.toString() }),
      ]);
      try {
        const options = { email: "admin@twostart.test", password: "pw-for-tests" };
        const seeded = await Promise.all([seedIfEmpty(one.prisma, options), seedIfEmpty(two.prisma, options)]);
        expect(seeded.filter(Boolean)).toHaveLength(1);
        expect(await one.prisma.workspace.count()).toBe(1);
        expect(await one.prisma.operator.count()).toBe(1);

        const applied = await one.sql.query<{ migration_name: string }>(
          `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
        );
        expect(applied.map((r) => r.migration_name)).toEqual((await readMigrations()).map((m) => m.name));

        const secrets = async (db: typeof one) =>
          Promise.all(
            (["session", "api_key_pepper"] as const).map((n) =>
              // Asked at the same moment by both instances.
              instanceSecret(db.prisma, n),
            ),
          );
        const [a, b] = await Promise.all([secrets(one), secrets(two)]);
        expect(a).toEqual(b);
        expect(await one.prisma.instanceSecret.count({ where: { name: { in: ["session", "api_key_pepper"] } } })).toBe(
          2,
        );

        // Both serve: a key made through one authenticates through the other, and the seeded key works on both.
        const { workspaceId } = seeded.find(Boolean)!;
        const key = await createApiKey(one.prisma, { workspaceId }, { name: "made on one" });
        expect(await authenticateApiKey(two.prisma, `Bearer ${key.key}`)).toMatchObject({ workspaceId });
        const seededKey = seeded.find(Boolean)!.apiKey;
        for (const db of [one, two]) {
          expect(await authenticateApiKey(db.prisma, `Bearer ${seededKey}`)).toMatchObject({ workspaceId });
        }
      } finally {
        await one.close();
        await two.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
