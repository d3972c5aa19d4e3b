import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { apiOf, succeeded, tenMessageThread } from "../lib/api";
import { groupCpuMs } from "../lib/cpu";
import type { BenchServer } from "../lib/server";
import { type Summary, summarize, timed } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * A slow upstream over HTTP against the production server: the agent's tapback through the
 * sandbox with `latency_ms: 300` beside the same send with none, and the dashboard's poll and
 * a read of *another* conversation while eight tapbacks wait 3 s on the upstream, beside the
 * same requests with nothing waiting. Idle and busy windows alternate, so both see the same
 * machine noise.
 */

const LATENCY_MS = 300;
const SLOW_MS = 3_000;
const WAITING = 8;
const TAPBACKS = Number(process.env.BENCH_SLOW_TAPBACKS || 15);
const FAST_TAPBACKS = 40;
const WARMUP = 3;
const ROUNDS = Number(process.env.BENCH_SLOW_ROUNDS || 3);
const IDLE_WINDOW_MS = 2_500;
/** The first moments of a busy window are the eight sends' own lookups and leases, not their wait. */
const SETTLE_MS = 300;

const TITLE = "Slow sandbox upstream (latency_ms) — HTTP, production server, embedded PGlite";

class Client {
  constructor(private readonly server: BenchServer) {}

  /** The open thread's poll as the dashboard sends it without `wait`: answers at once. */
  async poll(conversationId: string, etag?: string): Promise<{ status: number; etag: string }> {
    const res = await fetch(`${this.server.baseUrl}/api/ui/conversations/${conversationId}`, {
      headers: { Cookie: this.server.cookie, ...(etag ? { "If-None-Match": etag } : {}) },
    });
    await res.arrayBuffer();
    if (res.status !== 200 && res.status !== 304) throw new Error(`poll answered ${res.status}`);
    return { status: res.status, etag: res.headers.get("etag") ?? "" };
  }

  async health(): Promise<void> {
    const res = await fetch(`${this.server.baseUrl}/api/health`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/api/health answered ${res.status}`);
  }
}

/** Times one request, and the server's CPU meanwhile (including whatever else it served then). */
async function measure(processGroup: number, fn: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const before = groupCpuMs(processGroup);
  const { ms } = await timed(fn);
  const after = groupCpuMs(processGroup);
  return { ms, cpuMs: before === null || after === null ? 0 : after - before };
}

/** Samples and the server's CPU over the requests that produced them. */
class Series {
  samples: number[] = [];
  cpuMs = 0;
  requests = 0;
  record(sample: { ms: number; cpuMs: number }) {
    this.samples.push(sample.ms);
    this.cpuMs += sample.cpuMs;
    this.requests++;
  }
  summary(): Summary {
    return summarize(this.samples);
  }
  cpuPerRequest(): string {
    return this.requests ? `${(this.cpuMs / this.requests).toFixed(2)} ms` : "n/a";
  }
}

export const slowUpstreamSection: Section = {
  title: TITLE,
  async run(ctx) {
    const server = await ctx.server();
    const client = new Client(server);
    const api = apiOf(server);
    const setUpstream = (latency_ms: number) =>
      succeeded(api.PUT("/sandbox/upstream", { body: { mode: "ok", latency_ms } }));

    // One conversation holds the messages the tapbacks go to; the other is the one read and
    // polled: ten messages, both directions, as in the dashboard-poll section.
    await setUpstream(0);
    const busy = await succeeded(api.POST("/sandbox/conversations", { body: { remote_number: "+15550100500" } }));
    const targets: string[] = [];
    for (let i = 0; i < WAITING + 1; i++) {
      const sent = await succeeded(
        api.POST("/sandbox/conversations/{id}/inbound", {
          params: { path: { id: busy.conversation_id } },
          body: { parts: [{ text: `Question ${i + 1}` }] },
        }),
      );
      targets.push(sent.id);
    }
    const [seriesTarget, ...waitingTargets] = targets as [string, ...string[]];
    const quiet = (await tenMessageThread(api, "+15550100501")).conversationId;

    // Kinds alternate on every slot, so each send is a real change (201), never a no-op.
    const turns = new Map<string, number>();
    const tapback = async (messageId: string) => {
      const n = (turns.get(messageId) ?? 0) + 1;
      turns.set(messageId, n);
      const res = await api.POST("/reactions", {
        body: { message_id: messageId, reaction: n % 2 === 0 ? "like" : "love" },
      });
      const { status } = res.response;
      if (status !== 201)
        throw new Error(`POST /reactions answered ${status}, expected 201: ${JSON.stringify(res.error)}`);
    };
    const tapbackSeries = async (count: number) => {
      const series = new Series();
      for (let i = 0; i < WARMUP; i++) await tapback(seriesTarget);
      for (let i = 0; i < count; i++) {
        series.record(await measure(server.processGroup, () => tapback(seriesTarget)));
      }
      return series;
    };

    const floor = new Series();
    for (let i = 0; i < 100; i++) floor.record(await measure(server.processGroup, () => client.health()));

    const immediate = await tapbackSeries(FAST_TAPBACKS);
    await setUpstream(LATENCY_MS);
    let delayed: Series;
    try {
      delayed = await tapbackSeries(TAPBACKS);
    } finally {
      await setUpstream(0);
    }

    // The poll and the read alternate; each is timed alone (one client, one request at a time).
    // The sandbox's latency is part of every thread's ETag: taken once it is set below.
    let etag = "";
    const pollOnce = () =>
      measure(server.processGroup, async () => {
        const { status } = await client.poll(quiet, etag);
        if (status !== 304) throw new Error(`the quiet conversation's poll answered ${status}, expected 304`);
      });
    const readOnce = () =>
      measure(server.processGroup, () =>
        succeeded(api.GET("/conversations/{id}/messages", { params: { path: { id: quiet } } })),
      );
    const idle = { poll: new Series(), read: new Series() };
    const waiting = { poll: new Series(), read: new Series() };

    const idleWindow = async () => {
      const end = performance.now() + IDLE_WINDOW_MS;
      while (performance.now() < end) {
        idle.poll.record(await pollOnce());
        idle.read.record(await readOnce());
      }
    };

    /** Eight tapbacks wait on the upstream; only requests that end before the first of them returns count. */
    const busyWindow = async () => {
      const launched = performance.now();
      let firstBack = Number.POSITIVE_INFINITY;
      const sends = waitingTargets.map((id) =>
        tapback(id).finally(() => {
          firstBack = Math.min(firstBack, performance.now());
        }),
      );
      const failure = Promise.allSettled(sends);
      await sleep(SETTLE_MS);
      while (performance.now() < firstBack) {
        const poll = await pollOnce();
        const read = await readOnce();
        // A pair that ended after a waiting tapback returned did not run while all of them waited.
        if (performance.now() >= firstBack) break;
        waiting.poll.record(poll);
        waiting.read.record(read);
      }
      const settled = await failure;
      const rejected = settled.find((s) => s.status === "rejected");
      if (rejected) throw (rejected as PromiseRejectedResult).reason;
      const back = firstBack - launched;
      if (back < SLOW_MS)
        throw new Error(`a waiting tapback came back after ${back.toFixed(0)} ms, before its latency`);
    };

    await setUpstream(SLOW_MS);
    try {
      ({ etag } = await client.poll(quiet));
      for (let round = 0; round < ROUNDS; round++) {
        await idleWindow();
        await busyWindow();
      }
    } finally {
      await setUpstream(0);
    }

    const floorSummary = floor.summary();
    const versusIdle = (s: Series, of: Series, name: string) => ({
      of: name,
      ratio: s.summary().p50 / of.summary().p50,
    });
    const rows: Row[] = [
      { figure: "GET /api/health (the framework's floor)", latency: floorSummary },
      {
        figure: "POST /reactions, sandbox latency 0",
        latency: immediate.summary(),
        versus: { of: "health", ratio: immediate.summary().p50 / floorSummary.p50 },
      },
      {
        figure: `POST /reactions, sandbox latency ${LATENCY_MS} ms`,
        latency: delayed.summary(),
        versus: versusIdle(delayed, immediate, "latency 0"),
      },
      { figure: "poll 304 (other conversation), nothing waiting", latency: idle.poll.summary() },
      {
        figure: `poll 304 (other conversation), ${WAITING} waiting ${SLOW_MS / 1000} s`,
        latency: waiting.poll.summary(),
        versus: versusIdle(waiting.poll, idle.poll, "nothing waiting"),
      },
      { figure: "GET messages (other conversation), nothing waiting", latency: idle.read.summary() },
      {
        figure: `GET messages (other conversation), ${WAITING} waiting ${SLOW_MS / 1000} s`,
        latency: waiting.read.summary(),
        versus: versusIdle(waiting.read, idle.read, "nothing waiting"),
      },
    ];
    return {
      title: TITLE,
      rows,
      notes: [
        `server CPU per request: health ${floor.cpuPerRequest()}; tapback at latency 0 ${immediate.cpuPerRequest()}, at ${LATENCY_MS} ms ${delayed.cpuPerRequest()}; poll ${idle.poll.cpuPerRequest()} idle, ${waiting.poll.cpuPerRequest()} with ${WAITING} waiting; read ${idle.read.cpuPerRequest()} idle, ${waiting.read.cpuPerRequest()} with ${WAITING} waiting.`,
        `tapbacks: ${FAST_TAPBACKS} at latency 0, ${TAPBACKS} at ${LATENCY_MS} ms, after ${WARMUP} warm-up each; kinds alternate so each replaces (201). The latency is the sandbox's own wait, outside any transaction.`,
        `${ROUNDS} rounds: ${IDLE_WINDOW_MS / 1000} s with nothing waiting, then ${WAITING} tapbacks on ${WAITING} messages waiting ${SLOW_MS / 1000} s (sandbox latency_ms), polls and reads counted from ${SETTLE_MS} ms after they start until the first returns.`,
        "the poll is /api/ui/conversations/{id} without wait, with the thread's ETag (304), on a conversation the waiting tapbacks are not in; the read is GET /api/v1/conversations/{id}/messages of that conversation; one client, keep-alive.",
        `server: next start on port ${new URL(server.baseUrl).port}; ${server.build}.`,
      ],
    };
  },
};
