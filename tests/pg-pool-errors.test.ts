import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, PG_URL, type TestDatabase } from "./helpers/db";

const LOGGER = Symbol.for("tapdesk.logger");
type Holder = { [LOGGER]?: pino.Logger };

/**
 * An idle pooled connection the server ends (a restart, a failover, an administrator) is
 * replaced on next use and logged as one short warning: its code and sentence, not the whole
 * driver client that the error carries (a line of ~10 KB of connection state per connection).
 */
describe("PostgreSQL's idle connection errors", () => {
  let t: TestDatabase;
  const lines: string[] = [];
  let before: pino.Logger | undefined;

  beforeAll(async () => {
    const holder = globalThis as Holder;
    before = holder[LOGGER];
    holder[LOGGER] = pino(
      { base: undefined, level: "warn" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    t = await freshDatabase("postgres");
  });
  afterAll(async () => {
    (globalThis as Holder)[LOGGER] = before;
    await t?.dispose();
  });

  it("are logged as one short line with their code, and the next query works", async () => {
    await t.sql.query("SELECT 1");
    const [row] = await t.sql.query<{ db: string }>("SELECT current_database() AS db");
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [row!.db],
      );
    } finally {
      await admin.end();
    }
    for (let i = 0; i < 100 && !lines.some((l) => l.includes("idle connection")); i++) await sleep(20);
    const logged = lines.filter((l) => l.includes("idle connection"));
    expect(logged.length).toBeGreaterThan(0);
    for (const line of logged) {
      expect(line).toContain("57P01");
      expect(line.length).toBeLessThan(1_000);
    }
    expect(await t.sql.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
