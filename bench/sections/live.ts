import { performance } from "node:perf_hooks";
import { chromium } from "@playwright/test";
import { apiOf, succeeded, tenMessageThread } from "../lib/api";
import { rssMiB, withCpu } from "../lib/proc";
import type { BenchServer } from "../lib/server";
import { CHROMIUM_ARGS } from "../lib/server";
import { type Summary, sequentialRate, summarize, timed } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * The dashboard's live path against the production server (embedded PGlite): what each kind
 * of request costs the server in CPU, how fast a human's tapback reaches a waiting long-poll
 * (beside the 2 s polls it replaces) and an open page in Chromium, and what 1,000 waiting
 * polls cost in memory.
 */

const TITLE = "Live updates and server CPU per request — HTTP, production server, embedded PGlite";
const CPU_REQUESTS = Number(process.env.BENCH_CPU_REQUESTS || 400);
const LONG_POLL_ROUNDS = 50;
const TWO_SECOND_ROUNDS = 10;
const BROWSER_TRIES = 30;
const WAITING_POLLS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Client {
  constructor(readonly server: BenchServer) {}

  async poll(conversationId: string, etag?: string, wait?: number): Promise<{ status: number; etag: string }> {
    const query = wait === undefined ? "" : `?wait=${wait}`;
    const res = await fetch(`${this.server.baseUrl}/api/ui/conversations/${conversationId}${query}`, {
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

/** `count` requests one after another: latencies, and the server's CPU per request. */
async function cpuSeries(server: BenchServer, count: number, request: (i: number) => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await request(i);
  const samples: number[] = [];
  const { cpuMs } = await withCpu([server.processGroup], async () => {
    for (let i = 0; i < count; i++) samples.push((await timed(() => request(i))).ms);
  });
  return { latency: summarize(samples), cpuMs: cpuMs / count };
}

export const liveSection: Section = {
  title: TITLE,
  async run(ctx) {
    const server = await ctx.server();
    const client = new Client(server);
    const api = apiOf(server);
    const remote = "+15550100500";
    const { conversationId, humanMessage, agentMessage } = await tenMessageThread(api, remote);
    let humanKinds = 0;
    const humanTapback = () =>
      succeeded(
        api.POST("/sandbox/messages/{id}/reactions", {
          params: { path: { id: agentMessage } },
          body: { operation: "add", type: humanKinds++ % 2 === 0 ? "like" : "love" },
        }),
      );

    // --- CPU per request ---------------------------------------------------------------
    const health = await cpuSeries(server, CPU_REQUESTS, () => client.health());
    let { etag } = await client.poll(conversationId);
    const notModified = await cpuSeries(server, CPU_REQUESTS, async () => {
      const answer = await client.poll(conversationId, etag);
      if (answer.status !== 304) throw new Error(`expected 304, got ${answer.status}`);
    });
    const full = await cpuSeries(server, CPU_REQUESTS / 2, () => client.poll(conversationId));
    const send = await cpuSeries(server, CPU_REQUESTS, async (i) => {
      const sent = await api.POST("/reactions", {
        body: { message_id: humanMessage, reaction: i % 2 === 0 ? "like" : "love" },
      });
      if (sent.response.status !== 201) throw new Error(`send answered ${sent.response.status}`);
    });

    // --- human tapback → the long-poll waiting for it ------------------------------------
    ({ etag } = await client.poll(conversationId));
    const toLongPoll: number[] = [];
    for (let round = 0; round < 5 + LONG_POLL_ROUNDS; round++) {
      const poll = client.poll(conversationId, etag, 25);
      // Let the poll reach the server and start waiting.
      await sleep(30);
      const start = performance.now();
      await humanTapback();
      const answer = await poll;
      const ms = performance.now() - start;
      if (answer.status !== 200) throw new Error(`the long-poll answered ${answer.status}, expected 200`);
      etag = answer.etag;
      if (round >= 5) toLongPoll.push(ms);
    }

    // --- the same through plain polls every 2 s (what the page did before) -----------------
    const toTwoSecond: number[] = [];
    for (let round = 0; round < TWO_SECOND_ROUNDS; round++) {
      ({ etag } = await client.poll(conversationId));
      let seenAt = 0;
      let stop = false;
      const poller = (async () => {
        while (!stop) {
          const answer = await client.poll(conversationId, etag);
          if (answer.status === 200) {
            seenAt = performance.now();
            return;
          }
          await sleep(2000);
        }
      })();
      // The change lands at a random point of the poll interval.
      await sleep(Math.random() * 2000);
      const start = performance.now();
      await humanTapback();
      await poller;
      stop = true;
      toTwoSecond.push(seenAt - start);
    }

    // --- 1,000 polls waiting at once -----------------------------------------------------
    ({ etag } = await client.poll(conversationId));
    const rssBefore = rssMiB(server.processGroup);
    const waiting = Array.from({ length: WAITING_POLLS }, () => client.poll(conversationId, etag, 25));
    // Time for every one of them to reach the server and settle into waiting.
    await sleep(6000);
    const rssWaiting = rssMiB(server.processGroup);
    const woke = performance.now();
    await humanTapback();
    const answers = await Promise.all(
      waiting.map(async (p) => {
        const a = await p;
        return { status: a.status, ms: performance.now() - woke };
      }),
    );
    const wakeAll = summarize(answers.map((a) => a.ms));
    const answered200 = answers.filter((a) => a.status === 200).length;

    // --- a real page: Chromium, the open thread ------------------------------------------
    const browserMs = await browserTries(server, conversationId, remote, humanTapback, () => humanKinds);

    const rows: Row[] = [
      {
        figure: "GET /api/health (the framework's floor)",
        latency: health.latency,
        rate: { value: sequentialRate(health.latency), unit: "req/s" },
        cpuMs: health.cpuMs,
      },
      {
        figure: "thread poll, 304 (no wait)",
        latency: notModified.latency,
        rate: { value: sequentialRate(notModified.latency), unit: "polls/s" },
        cpuMs: notModified.cpuMs,
        versus: { of: "/api/health", ratio: notModified.latency.p50 / health.latency.p50 },
      },
      {
        figure: "thread poll, 200 (10 messages)",
        latency: full.latency,
        rate: { value: sequentialRate(full.latency), unit: "polls/s" },
        cpuMs: full.cpuMs,
        versus: { of: "/api/health", ratio: full.latency.p50 / health.latency.p50 },
      },
      {
        figure: "POST /api/v1/reactions (replace)",
        latency: send.latency,
        rate: { value: sequentialRate(send.latency), unit: "sends/s" },
        cpuMs: send.cpuMs,
        versus: versusRaw(ctx.references.get("pglite.raw-write"), send.latency, "raw PGlite write"),
      },
      { figure: "human tapback → waiting long-poll's 200", latency: summarize(toLongPoll) },
      { figure: "human tapback → 200 of a 2 s poll", latency: summarize(toTwoSecond) },
      {
        figure: "human tapback → badge on the open page (Chromium)",
        latency: summarize(browserMs),
        note: "long-poll, as the page runs it",
      },
      {
        figure: `${WAITING_POLLS} waiting polls: all answered after one change`,
        latency: wakeAll,
        note: `${answered200}/${WAITING_POLLS} got 200; server RSS ${rssBefore.toFixed(0)} → ${rssWaiting.toFixed(0)} MiB while they waited (+${(rssWaiting - rssBefore).toFixed(0)} MiB)`,
      },
    ];
    return {
      title: TITLE,
      rows,
      notes: [
        `CPU/req: user + system time of the server's processes (/proc, 10 ms ticks) over ${CPU_REQUESTS} sequential requests (200 polls: ${CPU_REQUESTS / 2}), divided by the requests; 20 warm-up requests first.`,
        `304 poll target ≤ 1.5× /api/health (p50 ratio in the last column); send target ≤ 3 ms CPU.`,
        `long-poll: ${LONG_POLL_ROUNDS} rounds, each poll waits (wait=25) before the human's tapback is posted; time from the POST to the poll's 200. 2 s polls: ${TWO_SECOND_ROUNDS} rounds, the change lands at a random point of the interval.`,
        `browser: ${BROWSER_TRIES} tries after 3 warm-up, time from the POST to the badge being in the page's DOM (MutationObserver, same clock).`,
        `server: next start on port ${new URL(server.baseUrl).port}; ${server.build}.`,
      ],
    };
  },
};

function versusRaw(raw: Summary | undefined, s: Summary, of: string) {
  return raw ? { of, ratio: s.p50 / raw.p50 } : undefined;
}

async function browserTries(
  server: BenchServer,
  conversationId: string,
  remote: string,
  humanTapback: () => Promise<unknown>,
  kindsSoFar: () => number,
): Promise<number[]> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext();
    const url = new URL(server.baseUrl);
    await context.addCookies(
      server.cookie.split("; ").map((pair) => {
        const at = pair.indexOf("=");
        return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: url.hostname, path: "/" };
      }),
    );
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/conversations/${conversationId}`);
    await page.getByRole("list", { name: "Messages" }).waitFor();
    const samples: number[] = [];
    for (let i = 0; i < 3 + BROWSER_TRIES; i++) {
      // The next human tapback alternates like/love; its badge names the kind and the human.
      const label = `${kindsSoFar() % 2 === 0 ? "Like" : "Love"} by ${remote}`;
      // A string, not a function: the bench's TypeScript loader would wrap a function's
      // inner helpers in code that does not exist in the page.
      // (`void`: the page keeps the promise; evaluate must not wait for it.)
      await page.evaluate(`void (window.seen = new Promise((resolve) => {
        const selector = '[aria-label="' + CSS.escape(${JSON.stringify(label)}) + '"]';
        const observer = new MutationObserver(() => {
          if (document.querySelector(selector)) {
            observer.disconnect();
            resolve(Date.now());
          }
        });
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
      }))`);
      // The page re-asks at once after each answer; give it the moment to do so.
      await sleep(50);
      const start = Date.now();
      await humanTapback();
      const seen = (await Promise.race([
        page.evaluate("window.seen"),
        sleep(15_000).then(() => {
          throw new Error(`the badge "${label}" did not appear on the page within 15 s`);
        }),
      ])) as number;
      if (i >= 3) samples.push(seen - start);
    }
    return samples;
  } finally {
    await browser.close();
  }
}
