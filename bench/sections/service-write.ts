import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { patternsMatching } from "../../lib/contact-rules/schemas";
import { type Database, openDatabase } from "../../lib/db/client";
import { sendMessage } from "../../lib/messages/service";
import { createConversation } from "../../lib/sandbox";
import type { Scope } from "../../lib/scope";
import { seedIfEmpty } from "../../lib/seed";
import { react } from "../../lib/tapbacks/service";
import { freshDatabase } from "../../tests/helpers/db";
import { type Summary, sequentialRate, summarize, timed } from "../lib/stats";
import type { Section, SectionResult } from "../lib/types";

/**
 * A tapback replace through the one service (`react`, Prisma, one interactive transaction)
 * beside the raw driver issuing the same statements by hand. The two loops are interleaved
 * so both see the same table sizes, caches and machine noise.
 */

const COUNT = Number(process.env.BENCH_TAPBACKS || 500);
const WARMUP = 50;

type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;

export interface RawDriver {
  name: string;
  query: Query;
  transaction<T>(fn: (query: Query) => Promise<T>): Promise<T>;
}

export function pgliteDriver(database: Database): RawDriver {
  const lite = database.pglite;
  if (!lite) throw new Error("the PGlite database does not expose its instance");
  return {
    name: "PGlite transaction()",
    query: async <T>(sql: string, params: unknown[]) => (await lite.query<T>(sql, params)).rows,
    transaction: (fn) =>
      lite.transaction((tx) => fn(async <T>(sql: string, params: unknown[]) => (await tx.query<T>(sql, params)).rows)),
  };
}

export function pgDriver(database: Database): RawDriver {
  const pool = database.pool;
  if (!pool) throw new Error("the PostgreSQL database does not expose its pool");
  const run =
    (client: pg.Pool | pg.PoolClient): Query =>
    async <T>(sql: string, params: unknown[]) =>
      (await client.query(sql, params)).rows as T[];
  return {
    name: "pg BEGIN…COMMIT",
    query: run(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(run(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

interface Target {
  id: string;
  direction: string;
  status: string;
  conversation_id: string;
  parts: number;
  remote_number: string;
  assignment_status: string;
  handle: string;
  imessage_enabled: boolean;
}

/**
 * What `react` does for an agent's replace, in the order it does it: the scoped message
 * lookup (one join here, where Prisma sends four queries) and the contact-rule check, then
 * in one transaction the slot upsert and row lock, the live reaction, the sandbox upstream's
 * mode, the reaction update, the slot's sequence, the audit row, the conversation's version
 * with its live-update notice, and the webhook endpoints that would get outbox rows (the bench workspace has none).
 */
export async function rawReplace(driver: RawDriver, scope: Scope, messageId: string, kind: string): Promise<number> {
  const [target] = await driver.query<Target>(
    `SELECT m.id::text, m.direction::text, m.status::text, m.conversation_id::text,
            (SELECT count(*) FROM message_part p WHERE p.message_id = m.id)::int AS parts,
            c.remote_number, a.status::text AS assignment_status, g.handle, g.imessage_enabled
       FROM message m
       JOIN conversation c ON c.id = m.conversation_id AND c.workspace_id = $2
       JOIN assignment a ON a.id = c.assignment_id
       JOIN agent g ON g.id = c.agent_id
      WHERE m.id = $1 AND m.workspace_id = $2`,
    [messageId, scope.workspaceId],
  );
  if (!target || target.parts < 1 || !target.imessage_enabled || target.assignment_status !== "active") {
    throw new Error("raw replace: the target message is not reactable");
  }
  const blocked = await driver.query(
    "SELECT id::text FROM contact_rule WHERE workspace_id = $1 AND pattern = ANY($2::text[]) LIMIT 1",
    [scope.workspaceId, patternsMatching(target.remote_number)],
  );
  if (blocked.length > 0) throw new Error("raw replace: the contact is blocked");
  return driver.transaction(async (q) => {
    await q(
      `INSERT INTO reaction_slot (id, workspace_id, message_id, part_index, sender, lane)
       VALUES ($1::uuid, $2::uuid, $3::uuid, 0, $4, 'tapback')
       ON CONFLICT (message_id, part_index, sender, lane) DO NOTHING`,
      [randomUUID(), scope.workspaceId, messageId, target.handle],
    );
    const [slot] = await q<{ id: string; sequence: number }>(
      `SELECT id::text AS id, sequence FROM reaction_slot
        WHERE message_id = $1::uuid AND part_index = 0 AND sender = $2 AND lane = 'tapback'
          FOR UPDATE`,
      [messageId, target.handle],
    );
    if (!slot) throw new Error("raw replace: slot vanished");
    const [live] = await q<{ id: string; kind: string }>(
      "SELECT id::text AS id, kind::text AS kind FROM reaction WHERE slot_id = $1",
      [slot.id],
    );
    if (!live || live.kind === kind) throw new Error("raw replace: expected a live tapback of another kind");
    const [ws] = await q<{ upstream_mode: string }>("SELECT upstream_mode::text FROM workspace WHERE id = $1", [
      scope.workspaceId,
    ]);
    if (ws?.upstream_mode !== "ok") throw new Error("raw replace: the sandbox upstream is not ok");
    const sequence = slot.sequence + 1;
    const now = new Date().toISOString();
    await q(
      `UPDATE reaction SET kind = $1::"ReactionKind", custom_emoji = NULL, sequence = $2, updated_at = $3
        WHERE id = $4 RETURNING *`,
      [kind, sequence, now, live.id],
    );
    await q("UPDATE reaction_slot SET sequence = $1 WHERE id = $2", [sequence, slot.id]);
    await q(
      `INSERT INTO reaction_change (id, workspace_id, slot_id, reaction_id, conversation_id, message_id, part_index,
                                    direction, sender, sequence, action, kind, previous_kind, actor_type, actor_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 0, 'outbound', $7, $8, 'replace', $9::"ReactionKind", $10::"ReactionKind",
               'api_key', 'bench', $11)`,
      [
        randomUUID(),
        scope.workspaceId,
        slot.id,
        live.id,
        target.conversation_id,
        messageId,
        target.handle,
        sequence,
        kind,
        live.kind,
        now,
      ],
    );
    // The version bump and the live-update notice, one statement as the service sends them.
    await q(
      `WITH touched AS (UPDATE conversation SET version = version + 1, last_activity_at = $1
                         WHERE id = $2 RETURNING workspace_id, id)
       SELECT count(pg_notify('tapdesk_live', 'c ' || workspace_id || ' ' || id)) FROM touched`,
      [now, target.conversation_id],
    );
    const endpoints = await q("SELECT id::text, events FROM webhook_endpoint WHERE workspace_id = $1 AND enabled", [
      scope.workspaceId,
    ]);
    if (endpoints.length > 0) throw new Error("raw replace: writes no webhook events, but the workspace has endpoints");
    return sequence;
  });
}

interface Opened {
  database: Database;
  label: string;
  dispose(): Promise<void>;
}

async function openPglite(): Promise<Opened> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "tapdesk-bench-pglite-"));
  const database = await openDatabase({ dataDir: dir });
  return {
    database,
    label: "PGlite (temp data dir)",
    dispose: async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<Opened> {
  const database = await freshDatabase("postgres");
  const [v] = await database.sql.query<{ server_version: string }>("SHOW server_version");
  return {
    database,
    label: `PostgreSQL ${v?.server_version.split(" ")[0] ?? ""} at 127.0.0.1:5432 (fresh database)`,
    dispose: database.dispose,
  };
}

async function measure(opened: Opened, driver: RawDriver): Promise<{ service: Summary; raw: Summary }> {
  const prisma = opened.database.prisma;
  const seeded = await seedIfEmpty(prisma, { password: "bench-only" });
  if (!seeded) throw new Error("expected an empty database");
  const scope: Scope = { workspaceId: seeded.workspaceId };
  const { conversation_id } = await createConversation(prisma, scope, { remote_number: "+15550100200" });
  // One message per side, so the two loops never touch each other's slot.
  const serviceMessage = await sendMessage(prisma, scope, conversation_id, [{ text: "service" }]);
  const rawMessage = await sendMessage(prisma, scope, conversation_id, [{ text: "raw driver" }]);
  const actor = { type: "api_key" as const, id: "bench" };
  const reactTo = (messageId: string, kind: "love" | "like") =>
    react(prisma, { scope, actor, side: "agent", messageId, request: { operation: "add", kind } });
  await reactTo(serviceMessage.id, "love");
  await reactTo(rawMessage.id, "love");

  const serviceMs: number[] = [];
  const rawMs: number[] = [];
  for (let i = 0; i < WARMUP + COUNT; i++) {
    const kind = i % 2 === 0 ? "like" : "love";
    const viaService = async () => {
      const t = await timed(() => reactTo(serviceMessage.id, kind));
      if (t.value.outcome !== "replaced") throw new Error(`service: expected a replace, got ${t.value.outcome}`);
      if (i >= WARMUP) serviceMs.push(t.ms);
    };
    const viaRaw = async () => {
      const t = await timed(() => rawReplace(driver, scope, rawMessage.id, kind));
      if (i >= WARMUP) rawMs.push(t.ms);
    };
    // Alternate who goes first, so neither always runs right after the other's commit.
    if (i % 2 === 0) {
      await viaService();
      await viaRaw();
    } else {
      await viaRaw();
      await viaService();
    }
  }

  // Both slots must have moved the same way: one change per call, gapless.
  const expected = 1 + WARMUP + COUNT;
  const slots = await opened.database.sql.query<{ message_id: string; sequence: number; changes: number }>(
    `SELECT s.message_id::text, s.sequence, (SELECT count(*) FROM reaction_change c WHERE c.slot_id = s.id)::int AS changes
       FROM reaction_slot s WHERE s.message_id IN ($1::uuid, $2::uuid)`,
    [serviceMessage.id, rawMessage.id],
  );
  if (slots.length !== 2 || slots.some((s) => s.sequence !== expected || s.changes !== expected)) {
    throw new Error(`slots did not end at sequence ${expected}: ${JSON.stringify(slots)}`);
  }
  return { service: summarize(serviceMs), raw: summarize(rawMs) };
}

export function serviceWriteSection(backend: "pglite" | "postgres"): Section {
  const name = backend === "pglite" ? "PGlite" : "PostgreSQL";
  const title = `Tapback replace through the service — ${name}`;
  return {
    title,
    async run(ctx): Promise<SectionResult> {
      let opened: Opened;
      try {
        opened = backend === "pglite" ? await openPglite() : await openPostgres();
      } catch (error) {
        return { title, rows: [], skipped: `${name} could not be opened: ${(error as Error).message}` };
      }
      try {
        const driver = backend === "pglite" ? pgliteDriver(opened.database) : pgDriver(opened.database);
        const { service, raw } = await measure(opened, driver);
        ctx.references.set(`${backend}.raw-write`, raw);
        return {
          title: `${title}: ${opened.label}`,
          rows: [
            {
              figure: "react() replace (service, Prisma)",
              latency: service,
              rate: { value: sequentialRate(service), unit: "ops/s" },
              versus: { of: "raw", ratio: service.p50 / raw.p50 },
            },
            {
              figure: `same write, raw driver (${driver.name})`,
              latency: raw,
              rate: { value: sequentialRate(raw), unit: "ops/s" },
            },
          ],
          notes: [
            `${COUNT} replaces each after ${WARMUP} warm-up, one caller, interleaved; kinds alternate so every call is a real change.`,
            `mean ratio service/raw ${(service.mean / raw.mean).toFixed(1)}×, p95 ratio ${(service.p95 / raw.p95).toFixed(1)}×.`,
          ],
        };
      } finally {
        await opened.dispose();
      }
    },
  };
}
