import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LiveSource, listenPostgres, topic } from "@/lib/live/hub";
import { freshDatabase, type TestDatabase } from "./helpers/db";

/**
 * Issue 16, finding 9: the LISTEN connection of PostgreSQL is watched. A dropped connection
 * (the server ends it) and a half-open one (nothing comes back, nothing ends) both end in a
 * reconnect, after which waiting long-polls are woken and later notices wake them again.
 */
describe("the LISTEN connection on PostgreSQL", () => {
  let t: TestDatabase;
  let url: string;
  let database: string;
  let source: LiveSource;

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    const [row] = await t.sql.query<{ db: string }>("SELECT current_database() AS db");
    database = row!.db;
    url = t.url!;
    source = await listenPostgres(url, { heartbeatMs: 200 });
  });
  afterAll(async () => {
    await source?.close();
    await t?.dispose();
  });

  const livePids = async () =>
    (
      await t.sql.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tapdesk-live'",
        [database],
      )
    ).map((r) => r.pid);
  const notify = (conversationId: string) =>
    t.sql.query("SELECT pg_notify('tapdesk_live', $1)", [`c 00000000-0000-0000-0000-000000000000 ${conversationId}`]);
  /** Resolves with how many wakes a waiting poll on the thread got within `ms`. */
  async function wakesWithin(conversationId: string, ms: number, during: () => Promise<unknown>): Promise<number> {
    let wakes = 0;
    const off = source.hub.subscribe([topic.thread(conversationId)], () => {
      wakes++;
    });
    try {
      await during();
      const deadline = Date.now() + ms;
      while (wakes === 0 && Date.now() < deadline) await sleep(20);
      return wakes;
    } finally {
      off();
    }
  }

  it("wakes a long-poll on a notice", async () => {
    expect(await wakesWithin("c-plain", 5_000, () => notify("c-plain"))).toBeGreaterThan(0);
  });

  it("after the server ends the connection (pg_terminate_backend) it reconnects, and notices wake long-polls again", async () => {
    const [before] = await livePids();
    expect(before).toBeDefined();
    await t.sql.query("SELECT pg_terminate_backend($1)", [before]);
    for (let i = 0; i < 250; i++) {
      const now = await livePids();
      if (now.length === 1 && now[0] !== before) break;
      await sleep(20);
    }
    expect((await livePids()).filter((p) => p !== before)).toHaveLength(1);
    expect(await wakesWithin("c-after-drop", 5_000, () => notify("c-after-drop"))).toBeGreaterThan(0);
  });

  it("a half-open connection (nothing comes back) is found by the heartbeat and replaced; long-polls wake", async () => {
    const [before] = await livePids();
    // The connection stays open on both ends, but nothing it receives is read any more: as when
    // the network drops a connection without a reset. Notices sent now are lost with it.
    const stream = (
      source as LiveSource & { connection(): { connection: { stream: { pause(): void } } } | null }
    ).connection()!.connection.stream;
    stream.pause();
    // The waiting poll is woken once the connection is replaced (notices meanwhile were lost).
    expect(await wakesWithin("c-half-open", 5_000, () => notify("c-half-open"))).toBeGreaterThan(0);
    for (let i = 0; i < 250 && (await livePids()).every((p) => p === before); i++) await sleep(20);
    expect((await livePids()).some((p) => p !== before)).toBe(true);
    // And the new connection delivers notices.
    expect(await wakesWithin("c-after-half-open", 5_000, () => notify("c-after-half-open"))).toBeGreaterThan(0);
  });
});
