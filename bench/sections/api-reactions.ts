import { performance } from "node:perf_hooks";
import type { TapdeskClient } from "../../lib/api/client";
import { apiOf, humanMessages } from "../lib/api";
import { type Summary, sequentialRate, summarize, timed } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * The agent API's tapback send, `POST /api/v1/reactions`, over HTTP against the production
 * server: one client back to back, the same with an `Idempotency-Key` on every request (the
 * claim and the sealed stored response), and several clients at once on their own messages.
 * Each figure is set beside the raw PGlite driver doing the same write (the service-write
 * section records it earlier in the run).
 */

const SENDS = Number(process.env.BENCH_API_SENDS || 300);
const WARMUP = 20;
const CLIENTS = 8;
const SENDS_PER_CLIENT = 40;

const TITLE = "POST /api/v1/reactions — HTTP, production server, embedded PGlite";

/** A send that must be a real change: kinds alternate, so every call replaces (201), never a no-op. */
function sender(api: TapdeskClient, messageId: string, idempotent: boolean) {
  let n = 0;
  return async () => {
    n++;
    const header = idempotent ? { "Idempotency-Key": `bench-${messageId}-${n}` } : undefined;
    const t = await timed(() =>
      api.POST("/reactions", {
        params: { header },
        body: { message_id: messageId, reaction: n % 2 === 0 ? "like" : "love" },
      }),
    );
    const { status } = t.value.response;
    if (status !== 201)
      throw new Error(`POST /reactions answered ${status}, expected 201: ${JSON.stringify(t.value.error)}`);
    return t.ms;
  };
}

async function series(send: () => Promise<number>, count: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + count; i++) {
    const ms = await send();
    if (i >= WARMUP) samples.push(ms);
  }
  return summarize(samples);
}

export const apiReactionsSection: Section = {
  title: TITLE,
  async run(ctx) {
    const server = await ctx.server();
    const api = apiOf(server);
    const [plainTarget, idempotentTarget, ...parallelTargets] = await humanMessages(api, "+15550100400", 2 + CLIENTS);
    if (!plainTarget || !idempotentTarget) throw new Error("no target messages");

    const plain = await series(sender(api, plainTarget, false), SENDS);
    const idempotent = await series(sender(api, idempotentTarget, true), SENDS);

    // Several agents at once, each on its own slot: what the one server sustains.
    const senders = parallelTargets.map((id) => sender(api, id, false));
    for (const send of senders) await send();
    const began = performance.now();
    const perClient = await Promise.all(
      senders.map(async (send) => {
        const samples: number[] = [];
        for (let i = 0; i < SENDS_PER_CLIENT; i++) samples.push(await send());
        return samples;
      }),
    );
    const wallSeconds = (performance.now() - began) / 1000;
    const parallel = summarize(perClient.flat());

    const raw = ctx.references.get("pglite.raw-write");
    const versusRaw = (s: Summary) => (raw ? { of: "raw PGlite write", ratio: s.p50 / raw.p50 } : undefined);
    const rows: Row[] = [
      {
        figure: "POST /reactions (replace), one client",
        latency: plain,
        rate: { value: sequentialRate(plain), unit: "sends/s" },
        versus: versusRaw(plain),
      },
      {
        figure: "same, with a fresh Idempotency-Key each",
        latency: idempotent,
        rate: { value: sequentialRate(idempotent), unit: "sends/s" },
        versus: versusRaw(idempotent),
      },
      {
        figure: `same, ${CLIENTS} clients in parallel`,
        latency: parallel,
        rate: { value: parallel.count / wallSeconds, unit: "sends/s" },
        versus: versusRaw(parallel),
      },
    ];
    if (raw) {
      rows.push({
        figure: "same write, raw PGlite driver (in process)",
        latency: raw,
        rate: { value: sequentialRate(raw), unit: "ops/s" },
      });
    }
    return {
      title: TITLE,
      rows,
      notes: [
        `${SENDS} sends per one-client row after ${WARMUP} warm-up; kinds alternate so every send replaces (201). Parallel: ${CLIENTS} clients × ${SENDS_PER_CLIENT} sends, each on its own message; its throughput is all sends over the wall-clock time.`,
        raw
          ? "the raw row is the service-write section's PGlite figure: the same replace as hand-written SQL, no HTTP, no Prisma."
          : "no raw-driver figure in this run: include the PGlite service-write section (`npm run bench -- pglite api`) for the ratio.",
        `server: next start on port ${new URL(server.baseUrl).port}; ${server.build}.`,
      ],
    };
  },
};
