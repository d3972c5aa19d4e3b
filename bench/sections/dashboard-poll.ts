import { performance } from "node:perf_hooks";
import { apiOf, tenMessageThread } from "../lib/api";
import type { BenchServer } from "../lib/server";
import { type Summary, sequentialRate, summarize, timed } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * End to end through the production server: a human's tapback from the sandbox, and the
 * operator's open conversation noticing it — the conditional GET the thread view polls
 * (If-None-Match → 304 until the conversation's version moves, then 200 with the view).
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS || 50);
const WARMUP = 5;
const POLLS = 200;
const ROUND_TIMEOUT_MS = 10_000;

class Client {
  constructor(private readonly server: BenchServer) {}

  /** The thread view's poll, as the dashboard sends it. */
  async poll(conversationId: string, etag?: string): Promise<{ status: number; etag: string }> {
    const res = await fetch(`${this.server.baseUrl}/api/ui/conversations/${conversationId}`, {
      headers: { Cookie: this.server.cookie, ...(etag ? { "If-None-Match": etag } : {}) },
    });
    await res.arrayBuffer();
    if (res.status !== 200 && res.status !== 304) throw new Error(`poll answered ${res.status}`);
    return { status: res.status, etag: res.headers.get("etag") ?? "" };
  }
}

const TITLE = "Sandbox tapback to the operator's poll — HTTP, production server, embedded PGlite";

export const dashboardPollSection: Section = {
  title: TITLE,
  async run(ctx) {
    const server = await ctx.server();
    const client = new Client(server);
    const api = apiOf(server);
    // A thread of ten messages, both directions, so the 200 carries a realistic view.
    const { conversationId, agentMessage: agentMessageId } = await tenMessageThread(api, "+15550100300");

    // Kinds alternate across every loop, so each POST is a real change (201), never a no-op.
    let changes = 0;
    const tapback = () =>
      timed(() =>
        api.POST("/sandbox/messages/{id}/reactions", {
          params: { path: { id: agentMessageId } },
          body: { operation: "add", type: changes++ % 2 === 0 ? "like" : "love" },
        }),
      );

    let { etag } = await client.poll(conversationId);
    const toVisible: number[] = [];
    const tapbackPost: number[] = [];
    let pollsUntilVisible = 0;
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const start = performance.now();
      const post = tapback();
      let postFailed: unknown;
      post.catch((error) => {
        postFailed = error;
      });
      // Poll back to back while the tapback is in flight, as fast as one client can.
      let polls = 0;
      let seenAt = 0;
      while (!seenAt) {
        if (postFailed) throw postFailed;
        if (performance.now() - start > ROUND_TIMEOUT_MS) throw new Error("the tapback never showed in a poll");
        const answer = await client.poll(conversationId, etag);
        polls++;
        if (answer.status === 200) {
          seenAt = performance.now();
          etag = answer.etag;
        }
      }
      const posted = await post;
      const { status } = posted.value.response;
      if (status !== 201)
        throw new Error(`tapback answered ${status}, expected 201: ${JSON.stringify(posted.value.error)}`);
      if (round >= WARMUP) {
        toVisible.push(seenAt - start);
        tapbackPost.push(posted.ms);
        pollsUntilVisible += polls;
      }
    }

    // The same POST with nothing else in flight: what the polls above cost it.
    const tapbackAlone: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = await tapback();
      const { status } = t.value.response;
      if (status !== 201) throw new Error(`tapback answered ${status}, expected 201`);
      tapbackAlone.push(t.ms);
    }
    ({ etag } = await client.poll(conversationId));

    const notModified: number[] = [];
    for (let i = 0; i < POLLS; i++) {
      const t = await timed(() => client.poll(conversationId, etag));
      if (t.value.status !== 304) throw new Error(`an unchanged conversation answered ${t.value.status}, expected 304`);
      notModified.push(t.ms);
    }
    const full: number[] = [];
    for (let i = 0; i < POLLS / 2; i++) {
      const t = await timed(() => client.poll(conversationId));
      full.push(t.ms);
    }

    const raw = ctx.references.get("pglite.raw-write");
    const versusRaw = (s: Summary) => (raw ? { of: "raw PGlite write", ratio: s.p50 / raw.p50 } : undefined);
    const visible = summarize(toVisible);
    const posted = summarize(tapbackPost);
    const alone = summarize(tapbackAlone);
    const poll304 = summarize(notModified);
    const poll200 = summarize(full);
    const rows: Row[] = [
      { figure: "sandbox tapback → first 200 poll", latency: visible, versus: versusRaw(visible) },
      { figure: "sandbox tapback POST, polls running", latency: posted, versus: versusRaw(posted) },
      {
        figure: "sandbox tapback POST, alone",
        latency: alone,
        rate: { value: sequentialRate(alone), unit: "req/s" },
        versus: versusRaw(alone),
      },
      {
        figure: "poll, 304 (If-None-Match holds)",
        latency: poll304,
        rate: { value: sequentialRate(poll304), unit: "polls/s" },
      },
      {
        figure: "poll, 200 (thread view, 10 messages)",
        latency: poll200,
        rate: { value: sequentialRate(poll200), unit: "polls/s" },
      },
    ];
    return {
      title: TITLE,
      rows,
      notes: [
        `${ROUNDS} rounds after ${WARMUP} warm-up; each round POSTs a human tapback (kinds alternate) while one client polls back to back with the last ETag; ${(pollsUntilVisible / ROUNDS).toFixed(1)} polls per round on average.`,
        `${POLLS} polls answered 304, ${POLLS / 2} answered 200; one client, keep-alive, session cookie from signing in through /login in Chromium.`,
        `server: next start on port ${new URL(server.baseUrl).port}; ${server.build}; data dir ${server.dataDir}, wiped first.`,
        "the dashboard itself polls every 2 s; this loop polls as fast as it can, so it measures when the change becomes visible, not the interval.",
      ],
    };
  },
};
