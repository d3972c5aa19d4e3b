import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type Instance, startCluster } from "../../e2e/instances";
import { API_KEY } from "../../e2e/settings";
import type { TapdeskClient } from "../../lib/api/client";
import { type Database, openDatabase } from "../../lib/db/client";
import { sendMessage } from "../../lib/messages/service";
import { createConversation } from "../../lib/sandbox";
import type { Scope } from "../../lib/scope";
import { seedIfEmpty } from "../../lib/seed";
import { react } from "../../lib/tapbacks/service";
import { freshDatabase } from "../../tests/helpers/db";
import { apiOf, humanMessages } from "../lib/api";
import { withCpu } from "../lib/proc";
import { type BenchServer, PORT } from "../lib/server";
import { summarize } from "../lib/stats";
import type { Row, Section } from "../lib/types";
import { pgDriver, pgliteDriver, type RawDriver, rawReplace } from "./service-write";

/**
 * Tapback sends per second with 1, 4 and 16 clients at once, each client on its own message
 * (its own slot): over HTTP to one production instance on PGlite, to one and to two instances
 * sharing one PostgreSQL database, each beside the raw driver doing the same transaction at
 * the same concurrency in this process.
 */

const TITLE = "Tapback sends/s by concurrency — HTTP vs the raw driver's same transaction";
const CONCURRENCY = [1, 4, 16];
const SENDS_PER_CLIENT = Number(process.env.BENCH_SENDS_PER_CLIENT || 40);
const WARMUP_PER_CLIENT = 3;

interface Target {
  baseUrl: string;
  apiKey: string;
}

interface Run {
  rate: number;
  latency: ReturnType<typeof summarize>;
  cpuMs?: number;
}

async function post(api: TapdeskClient, messageId: string, kind: "like" | "love"): Promise<void> {
  const res = await api.POST("/reactions", { body: { message_id: messageId, reaction: kind } });
  if (res.response.status !== 201) {
    throw new Error(`POST /reactions answered ${res.response.status}: ${JSON.stringify(res.error)}`);
  }
}

/** `clients` loops at once, each `SENDS_PER_CLIENT` sends on its own message; sends/s over the wall clock. */
async function concurrent(
  clients: number,
  send: (client: number, n: number) => Promise<void>,
  cpuRoots: number[] = [],
): Promise<Run> {
  for (let c = 0; c < clients; c++) for (let n = 0; n < WARMUP_PER_CLIENT; n++) await send(c, n);
  const samples: number[] = [];
  const began = performance.now();
  const { cpuMs } = await withCpu(cpuRoots, () =>
    Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let n = WARMUP_PER_CLIENT; n < WARMUP_PER_CLIENT + SENDS_PER_CLIENT; n++) {
          const t = performance.now();
          await send(c, n);
          samples.push(performance.now() - t);
        }
      }),
    ),
  );
  const seconds = (performance.now() - began) / 1000;
  return {
    rate: (clients * SENDS_PER_CLIENT) / seconds,
    latency: summarize(samples),
    cpuMs: cpuRoots.length ? cpuMs / (clients * SENDS_PER_CLIENT) : undefined,
  };
}

/** `clients` messages of a fresh workspace, each with a live tapback (love) of the agent. */
async function seededMessages(database: Database): Promise<{ scope: Scope; messages: string[] }> {
  const prisma = database.prisma;
  const seeded = await seedIfEmpty(prisma, { password: "bench-only" });
  if (!seeded) throw new Error("expected an empty database");
  const scope: Scope = { workspaceId: seeded.workspaceId };
  const { conversation_id } = await createConversation(prisma, scope, { remote_number: "+15550100600" });
  const max = Math.max(...CONCURRENCY);
  const messages: string[] = [];
  for (let i = 0; i < max; i++) {
    const m = await sendMessage(prisma, scope, conversation_id, [{ text: `raw ${i}` }]);
    await react(prisma, {
      scope,
      actor: { type: "api_key", id: "bench" },
      side: "agent",
      messageId: m.id,
      request: { operation: "add", kind: "love" },
    });
    messages.push(m.id);
  }
  return { scope, messages };
}

/** The raw driver's replace on `clients` messages of a fresh workspace, at that concurrency. */
async function rawRuns(database: Database, driver: RawDriver): Promise<Map<number, Run>> {
  const { scope, messages } = await seededMessages(database);
  // Each message's live kind, so every call is a real replace.
  const live = messages.map(() => "love");
  const runs = new Map<number, Run>();
  for (const clients of CONCURRENCY) {
    runs.set(
      clients,
      await concurrent(clients, async (c) => {
        const id = messages[c] as string;
        const next = live[c] === "love" ? "like" : "love";
        await rawReplace(driver, scope, id, next);
        live[c] = next;
      }),
    );
  }
  return runs;
}

/**
 * Client `c`'s next send over HTTP: a replace on its own message of a fresh sandbox
 * conversation, the clients taking turns over the instances. Each message's live kind is kept,
 * and every send is the other one, so every send is a change (201).
 */
async function replaceSends(apis: TapdeskClient[], remote: string, clients: number) {
  const messages = await humanMessages(apis[0]!, remote, clients);
  const live = messages.map((): "like" | "love" => "love");
  return async (c: number) => {
    const next = live[c] === "love" ? "like" : "love";
    await post(apis[c % apis.length]!, messages[c] as string, next);
    live[c] = next;
  };
}

async function httpRuns(targets: Target[], cpuRoots: number[], remote: string): Promise<Map<number, Run>> {
  const send = await replaceSends(targets.map(apiOf), remote, Math.max(...CONCURRENCY));
  const runs = new Map<number, Run>();
  for (const clients of CONCURRENCY) runs.set(clients, await concurrent(clients, send, cpuRoots));
  return runs;
}

/** A webhook receiver on 127.0.0.1: answers 200, counts each webhook-id once and any that came again. */
async function hookReceiver() {
  const ids = new Set<string>();
  let repeats = 0;
  let wanted: { count: number; resolve: () => void } | null = null;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      if (ids.has(id)) repeats++;
      ids.add(id);
      res.writeHead(200).end();
      if (wanted && ids.size >= wanted.count) wanted.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench-hooks`,
    received: () => ids.size,
    repeats: () => repeats,
    /** Resolves once `count` distinct webhooks arrived; rejects after `ms`. */
    until(count: number, ms: number): Promise<void> {
      if (ids.size >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${ids.size} of ${count} webhooks in ${ms} ms`)), ms);
        wanted = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * 16 clients' sends over the instances with a webhook endpoint subscribed to `reaction.added`
 * (every send is one webhook): sends/s and server CPU while sending, then how long after the
 * last send the last webhook arrived, each once.
 */
async function webhookRun(targets: Target[], cpuRoots: number[], remote: string) {
  const clients = Math.max(...CONCURRENCY);
  const receiver = await hookReceiver();
  const apis = targets.map(apiOf);
  try {
    const endpoint = await apis[0]!.POST("/webhook-endpoints", {
      body: { url: receiver.url, events: ["reaction.added"] },
    });
    if (endpoint.response.status !== 201)
      throw new Error(`POST /webhook-endpoints answered ${endpoint.response.status}`);
    const run = await concurrent(clients, await replaceSends(apis, remote, clients), cpuRoots);
    const lastSend = performance.now();
    const expected = clients * (WARMUP_PER_CLIENT + SENDS_PER_CLIENT);
    // Reported, not thrown, when they do not all come: the figures measured before stay printed.
    const drained = await receiver.until(expected, 120_000).then(
      () => true,
      () => false,
    );
    return {
      run,
      drainedMs: drained ? performance.now() - lastSend : null,
      expected,
      received: receiver.received(),
      repeats: receiver.repeats(),
    };
  } finally {
    await receiver.close();
  }
}

/**
 * The physical floor: one statement that upserts the tapback's reaction row (its kind and
 * sequence) on each client's own message, through the same pool, at the same concurrency —
 * what the database does for the least a send could be.
 */
async function upsertRuns(database: Database): Promise<Map<number, Run>> {
  const pool = database.pool;
  if (!pool) throw new Error("the PostgreSQL database does not expose its pool");
  const { messages } = await seededMessages(database);
  const rows = await Promise.all(
    messages.map(async (id) => {
      const { rows } = await pool.query(
        `SELECT id::text, workspace_id::text, slot_id::text, conversation_id::text, assignment_id::text,
                message_id::text, part_index, direction::text, sender
           FROM reaction WHERE message_id = $1::uuid`,
        [id],
      );
      return rows[0] as Record<string, unknown>;
    }),
  );
  const live = messages.map(() => "love");
  const runs = new Map<number, Run>();
  for (const clients of CONCURRENCY) {
    runs.set(
      clients,
      await concurrent(clients, async (c) => {
        const r = rows[c] as Record<string, unknown>;
        const next = live[c] === "love" ? "like" : "love";
        await pool.query(
          `INSERT INTO reaction (id, workspace_id, slot_id, conversation_id, assignment_id, message_id, part_index,
                                 direction, sender, kind, sequence, created_at, updated_at)
           VALUES ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::uuid, $7, $8::"Direction", $9,
                   $10::"ReactionKind", 1, now(), now())
           ON CONFLICT (id) DO UPDATE
              SET kind = EXCLUDED.kind, sequence = reaction.sequence + 1, updated_at = EXCLUDED.updated_at`,
          [
            r.id,
            r.workspace_id,
            r.slot_id,
            r.conversation_id,
            r.assignment_id,
            r.message_id,
            r.part_index,
            r.direction,
            r.sender,
            next,
          ],
        );
        live[c] = next;
      }),
    );
  }
  return runs;
}

function rows(
  label: string,
  http: Map<number, Run>,
  raw: Map<number, Run>,
  rawLabel: string,
  floor?: { runs: Map<number, Run>; label: string },
): Row[] {
  return CONCURRENCY.flatMap((clients) => {
    const h = http.get(clients) as Run;
    const r = raw.get(clients) as Run;
    const f = floor?.runs.get(clients);
    const of = `${clients} client${clients === 1 ? "" : "s"}`;
    return [
      {
        figure: `${label}, ${of}`,
        latency: h.latency,
        rate: { value: h.rate, unit: "sends/s" },
        cpuMs: h.cpuMs,
        note:
          `${(h.rate / r.rate).toFixed(2)}× ${rawLabel}'s sends/s` +
          (f && floor ? `; ${(h.rate / f.rate).toFixed(3)}× ${floor.label}'s` : ""),
      },
      {
        figure: `  ${rawLabel}, ${of}`,
        latency: r.latency,
        rate: { value: r.rate, unit: "sends/s" },
      },
      ...(f && floor
        ? [{ figure: `  ${floor.label}, ${of}`, latency: f.latency, rate: { value: f.rate, unit: "upserts/s" } }]
        : []),
    ];
  });
}

export const throughputSection: Section = {
  title: TITLE,
  async run(ctx) {
    const server: BenchServer = await ctx.server();
    const out: Row[] = [];
    const notes: string[] = [];

    // PGlite: the bench's own production server, and a PGlite of our own for the raw driver.
    const pgliteHttp = await httpRuns(
      [{ baseUrl: server.baseUrl, apiKey: server.apiKey }],
      [server.processGroup],
      "+15550100700",
    );
    const dir = await mkdtemp(path.join(os.tmpdir(), "tapdesk-bench-raw-"));
    const lite = await openDatabase({ dataDir: dir });
    try {
      out.push(...rows("PGlite, 1 instance", pgliteHttp, await rawRuns(lite, pgliteDriver(lite)), "raw PGlite"));
    } finally {
      await lite.close();
      await rm(dir, { recursive: true, force: true });
    }

    // PostgreSQL: two instances of the same build on one fresh database.
    let cluster: Awaited<ReturnType<typeof startCluster>>;
    try {
      cluster = await startCluster(2, { distDir: ".next-bench", basePort: PORT + 10 });
    } catch (error) {
      return { title: TITLE, rows: out, notes: [`PostgreSQL instances could not start: ${(error as Error).message}`] };
    }
    const raw = await freshDatabase("postgres");
    const floorDb = await freshDatabase("postgres");
    try {
      const [a, b] = cluster.instances as [Instance, Instance];
      const [onA, onB] = [a, b].map((i): Target => ({ baseUrl: i.baseUrl, apiKey: API_KEY })) as [Target, Target];
      const one = await httpRuns([onA], [a.pid], "+15550100800");
      const two = await httpRuns([onA, onB], [a.pid, b.pid], "+15550100900");
      const hooked = await webhookRun([onA, onB], [a.pid, b.pid], "+15550100950");
      const rawPg = await rawRuns(raw, pgDriver(raw));
      const floor = { runs: await upsertRuns(floorDb), label: "one-statement upsert" };
      out.push(...rows("PostgreSQL, 1 instance", one, rawPg, "raw pg", floor));
      out.push(...rows("PostgreSQL, 2 instances", two, rawPg, "raw pg", floor));
      const f16 = floor.runs.get(Math.max(...CONCURRENCY)) as Run;
      out.push({
        figure: `PostgreSQL, 2 instances, ${Math.max(...CONCURRENCY)} clients, a webhook endpoint subscribed`,
        latency: hooked.run.latency,
        rate: { value: hooked.run.rate, unit: "sends/s" },
        cpuMs: hooked.run.cpuMs,
        note:
          `${(hooked.run.rate / f16.rate).toFixed(3)}× one-statement upsert's; ${hooked.received} webhooks, ` +
          `${hooked.repeats} repeated, ` +
          (hooked.drainedMs === null
            ? `only ${hooked.received} of ${hooked.expected} within 120 s of the last send`
            : `the last ${(hooked.drainedMs / 1000).toFixed(1)} s after the last send`),
      });
    } finally {
      await raw.dispose();
      await floorDb.dispose();
      await cluster.stop();
    }
    notes.push(
      `each client sends ${SENDS_PER_CLIENT} replaces (after ${WARMUP_PER_CLIENT} warm-up) on its own message, all clients at once; sends/s = all sends over the wall clock. Two instances: clients alternate between them.`,
      "raw: the service-write section's hand-written transaction (same statements, NOTIFY included) through the driver's pool of 10 (the app's pool size), in this process, at the same concurrency.",
      "one-statement upsert: INSERT … ON CONFLICT (id) DO UPDATE of the tapback's reaction row (kind, sequence + 1) on each client's own message, one statement per send, same pool and concurrency: the physical floor of a send on this database.",
      "server CPU/req: user + system time of the instances' processes over the run, divided by the sends.",
      "a webhook endpoint subscribed: the same 16 clients over the two instances, after an endpoint on 127.0.0.1 subscribed to reaction.added (one webhook per send); its CPU/req counts the deliveries made while the clients sent (not those after the last send).",
    );
    return { title: TITLE, rows: out, notes };
  },
};
