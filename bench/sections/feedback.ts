import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { openDatabase } from "../../lib/db/client";
import { rebuildFeedback } from "../../lib/feedback/rebuild";
import { EXPORT_PAGE } from "../../lib/feedback/service";
import { generateSecretKey, resetKeyRing } from "../../lib/secrets/seal";
import { seedIfEmpty } from "../../lib/seed";
import { PG_URL } from "../../tests/helpers/db";
import { rssMiB } from "../lib/proc";
import { startServer } from "../lib/server";
import { type Summary, summarize, timed } from "../lib/stats";
import type { Row, Section, SectionResult } from "../lib/types";

/**
 * SPEC §9 at volume, on PostgreSQL: one agent with a million message parts and 300,000 human
 * reactions, seeded with bulk SQL (not API calls) and its read model rebuilt from them
 * (lib/feedback/rebuild.ts). Then, through the production server on that database:
 * GET /feedback/summary beside a raw `SELECT count(*)` of the same rows, and the NDJSON
 * export of every reacted part (lines/s, and how far the server's memory grows meanwhile).
 * Runs on its own: `npm run bench -- feedback`.
 */

const TITLE = "Feedback at a million parts — HTTP, production server, PostgreSQL";
const OUTBOUND = Number(process.env.BENCH_FEEDBACK_PARTS || 1_000_000);
const REACTED_PER_MILLE = 300;
const CONVERSATIONS = 1_000;
const DAYS = 365;
const SUMMARIES = 200;
const COUNTS = 20;

export async function bulkSeed(
  client: pg.PoolClient,
  workspaceId: string,
): Promise<{ agentId: string; reactions: number }> {
  const step = async (sql: string, params: unknown[] = []) => client.query(sql, params);
  const [{ id: agentId }] = (
    await step(
      `INSERT INTO agent (id, workspace_id, name, handle) VALUES (gen_random_uuid(), $1, 'Bench agent', '+14155550777')
       RETURNING id::text AS id`,
      [workspaceId],
    )
  ).rows as [{ id: string }];
  await step(
    `CREATE TEMP TABLE bc AS
       SELECT g AS n, gen_random_uuid() AS conversation_id, gen_random_uuid() AS assignment_id,
              '+1555' || lpad(g::text, 7, '0') AS remote
         FROM generate_series(0, $1 - 1) g`,
    [CONVERSATIONS],
  );
  await step(
    `INSERT INTO assignment (id, workspace_id, agent_id, remote_number, updated_at)
     SELECT assignment_id, $1, $2, remote, now() FROM bc`,
    [workspaceId, agentId],
  );
  await step(
    `INSERT INTO conversation (id, workspace_id, assignment_id, agent_id, remote_number)
     SELECT conversation_id, $1, assignment_id, $2, remote FROM bc`,
    [workspaceId, agentId],
  );
  // Every fifth message is the human's; the rest, OUTBOUND of them, the agent's; spread over a year.
  const total = Math.round((OUTBOUND * 5) / 4);
  await step(
    `CREATE TEMP TABLE bm AS
       SELECT g AS n, gen_random_uuid() AS id, bc.conversation_id, bc.remote,
              CASE WHEN g % 5 = 0 THEN 'inbound' ELSE 'outbound' END AS direction,
              (now() AT TIME ZONE 'UTC') - ($2::int * interval '1 day') * (1 - g::float8 / $1) AS created_at
         FROM generate_series(1, $1) g
         JOIN bc ON bc.n = g % $3`,
    [total, DAYS, CONVERSATIONS],
  );
  await step(
    `INSERT INTO message (id, workspace_id, conversation_id, direction, sender, status, created_at)
     SELECT id, $1, conversation_id, direction::"Direction",
            CASE WHEN direction = 'inbound' THEN remote ELSE '+14155550777' END,
            (CASE WHEN direction = 'inbound' THEN 'received' ELSE 'delivered' END)::"MessageStatus", created_at
       FROM bm`,
    [workspaceId],
  );
  await step(
    `INSERT INTO message_part (id, workspace_id, message_id, index, type, text)
     SELECT gen_random_uuid(), $1, id, 0, 'text', 'Bench message ' || n FROM bm`,
    [workspaceId],
  );
  await step(
    `CREATE TEMP TABLE br AS
       SELECT bm.*, gen_random_uuid() AS slot_id, gen_random_uuid() AS reaction_id,
              (ARRAY['love','like','dislike','laugh','emphasize','question','custom','like'])[1 + bm.n % 8] AS kind,
              c.assignment_id
         FROM bm JOIN bc c ON c.conversation_id = bm.conversation_id
        WHERE bm.direction = 'outbound' AND (bm.n::bigint * 7919) % 1000 < $1`,
    [REACTED_PER_MILLE],
  );
  await step(
    `INSERT INTO reaction_slot (id, workspace_id, message_id, part_index, sender, lane, sequence)
     SELECT slot_id, $1, id, 0, remote, 'tapback', 1 FROM br`,
    [workspaceId],
  );
  await step(
    `INSERT INTO reaction (id, workspace_id, slot_id, conversation_id, assignment_id, message_id, part_index,
                           direction, sender, kind, custom_emoji, sequence, created_at, updated_at)
     SELECT reaction_id, $1, slot_id, conversation_id, assignment_id, id, 0, 'inbound', remote, kind::"ReactionKind",
            CASE WHEN kind = 'custom' THEN '🎉' END, 1, created_at + interval '1 minute', created_at + interval '1 minute'
       FROM br`,
    [workspaceId],
  );
  await step(
    `INSERT INTO reaction_change (id, workspace_id, slot_id, reaction_id, conversation_id, message_id, part_index,
                                  direction, sender, sequence, action, kind, custom_emoji, actor_type, actor_id, created_at)
     SELECT gen_random_uuid(), $1, slot_id, reaction_id, conversation_id, id, 0, 'inbound', remote, 1, 'add',
            kind::"ReactionKind", CASE WHEN kind = 'custom' THEN '🎉' END, 'human', remote, created_at + interval '1 minute'
       FROM br`,
    [workspaceId],
  );
  const reactions = Number((await step("SELECT count(*)::int AS n FROM br")).rows[0].n);
  await step("ANALYZE");
  return { agentId, reactions };
}

export const feedbackSection: Section = {
  title: TITLE,
  async run(): Promise<SectionResult> {
    const name = `tapdesk_bench_feedback_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    try {
      await admin.connect();
    } catch (error) {
      return {
        title: TITLE,
        rows: [],
        skipped: `PostgreSQL at ${PG_URL} is not reachable: ${(error as Error).message}`,
      };
    }
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.pathname = `/${name}`;
    const databaseUrl = url.toString();
    const secretKey = generateSecretKey();
    const previousKey = process.env.TAPDESK_SECRET_KEY;
    process.env.TAPDESK_SECRET_KEY = secretKey;
    resetKeyRing();
    const credentials = {
      email: "bench@tapdesk.local",
      password: randomBytes(12).toString("base64url"),
      apiKey: `td_${randomBytes(32).toString("base64url")}`,
    };
    const database = await openDatabase({ url: databaseUrl });
    let server: Awaited<ReturnType<typeof startServer>> | null = null;
    try {
      const seeded = await seedIfEmpty(database.prisma, credentials);
      if (!seeded) throw new Error("expected an empty database");
      const client = await database.pool!.connect();
      const seedStart = performance.now();
      let seededRows: { agentId: string; reactions: number };
      try {
        seededRows = await bulkSeed(client, seeded.workspaceId);
      } finally {
        client.release();
      }
      const seedSeconds = (performance.now() - seedStart) / 1000;
      const rebuildStart = performance.now();
      await rebuildFeedback(database.prisma, seededRows.agentId);
      const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
      const { agentId } = seededRows;

      server = await startServer({ databaseUrl, secretKey, ...credentials });
      const base = server.server.baseUrl;
      const headers = { authorization: `Bearer ${credentials.apiKey}` };
      const get = async (path: string) => {
        const res = await fetch(`${base}${path}`, { headers });
        const text = await res.text();
        if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
        return text;
      };
      const from = new Date(Date.now() - DAYS * 86_400_000).toISOString().slice(0, 10);
      const series = async (n: number, fn: () => Promise<unknown>): Promise<Summary> => {
        for (let i = 0; i < 5; i++) await fn();
        const samples: number[] = [];
        for (let i = 0; i < n; i++) samples.push((await timed(fn)).ms);
        return summarize(samples);
      };
      const year = JSON.parse(await get(`/api/v1/feedback/summary?agent_id=${agentId}&from=${from}`));
      const health = await series(SUMMARIES, () => get("/api/health"));
      const summaryYear = await series(SUMMARIES, () =>
        get(`/api/v1/feedback/summary?agent_id=${agentId}&from=${from}`),
      );
      const summaryWeek = await series(SUMMARIES / 2, () =>
        get(`/api/v1/feedback/summary?agent_id=${agentId}&from=${from}&bucket=week`),
      );
      const summary30 = await series(SUMMARIES, () => get(`/api/v1/feedback/summary?agent_id=${agentId}`));
      // The raw count of the same rows the summary adds up: the agent's parts in the year, and
      // the live human reactions on them.
      const rawCount = await series(COUNTS, () =>
        database.pool!.query(
          `SELECT count(*) AS parts, count(r.id) AS reacted
             FROM message_part p
             JOIN message m ON m.id = p.message_id
             JOIN conversation c ON c.id = m.conversation_id
             LEFT JOIN reaction r ON r.message_id = p.message_id AND r.part_index = p.index AND r.direction = 'inbound'
            WHERE c.agent_id = $1 AND m.direction = 'outbound' AND m.created_at >= $2::date`,
          [agentId, from],
        ),
      );

      // The export of every reacted part, read as it streams, the server's memory sampled meanwhile.
      // Twice: the first export on a fresh server also grows V8's heap to its working size; the
      // second shows whether memory grows with what is exported (it would if anything were held).
      const group = server.server.processGroup;
      const exportOnce = async () => {
        const rssBefore = rssMiB(group);
        let peak = rssBefore;
        const sampler = setInterval(() => {
          peak = Math.max(peak, rssMiB(group));
        }, 100);
        const exportStart = performance.now();
        let lines = 0;
        let bytes = 0;
        try {
          const res = await fetch(`${base}/api/v1/feedback/export?agent_id=${agentId}&from=${from}`, { headers });
          if (!res.ok || !res.body) throw new Error(`export answered ${res.status}`);
          const reader = res.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            bytes += value.byteLength;
            for (const byte of value) if (byte === 10) lines++;
          }
        } finally {
          clearInterval(sampler);
        }
        const seconds = (performance.now() - exportStart) / 1000;
        peak = Math.max(peak, rssMiB(group));
        return {
          rate: { value: lines / seconds, unit: "lines/s" },
          note: `${lines} lines, ${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(1)} s; server RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MiB (+${(peak - rssBefore).toFixed(0)} MiB)`,
        };
      };
      const firstExport = await exportOnce();
      const secondExport = await exportOnce();

      const rows: Row[] = [
        {
          figure: "GET /feedback/summary, 365 days by day",
          latency: summaryYear,
          versus: { of: "raw count(*)", ratio: summaryYear.p50 / rawCount.p50 },
        },
        { figure: "GET /feedback/summary, 365 days by week", latency: summaryWeek },
        { figure: "GET /feedback/summary, last 30 days", latency: summary30 },
        { figure: "raw SELECT count(*) of the same rows (pg)", latency: rawCount },
        { figure: "GET /api/health (the framework's floor)", latency: health },
        { figure: "GET /feedback/export, every reacted part", ...firstExport },
        { figure: "GET /feedback/export, the same again", ...secondExport },
      ];
      return {
        title: TITLE,
        rows,
        notes: [
          `seeded with bulk SQL in ${seedSeconds.toFixed(0)} s: ${OUTBOUND} agent message parts and ${OUTBOUND / 4} of the human's over ${DAYS} days in ${CONVERSATIONS} conversations, ${seededRows.reactions} live human reactions; read model rebuilt in ${rebuildSeconds.toFixed(0)} s.`,
          `the year's summary: ${year.totals.parts} parts, ${year.totals.reacted} reacted (negative ${year.totals.labels.negative}, confused ${year.totals.labels.confused}); it reads ${DAYS} counter rows, the raw count reads every part.`,
          `${SUMMARIES} summaries after 5 warm-up, one client; export: one stream of NDJSON, ${EXPORT_PAGE} lines per keyset page (one query each, context included), server RSS sampled every 100 ms.`,
          `server: next start on port ${new URL(base).port} with DATABASE_URL=${name}; ${server.server.build}.`,
        ],
      };
    } finally {
      await server?.stop();
      await database.close();
      if (previousKey === undefined) delete process.env.TAPDESK_SECRET_KEY;
      else process.env.TAPDESK_SECRET_KEY = previousKey;
      resetKeyRing();
      const dropper = new pg.Client({ connectionString: PG_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    }
  },
};
