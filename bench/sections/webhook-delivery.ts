import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Webhook } from "standardwebhooks";
import type { components } from "../../lib/api/client";
import { apiOf, succeeded } from "../lib/api";
import { sequentialRate, summarize } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * End to end through the production server: a human's tapback from the sandbox on the
 * agent's message, and its `imessage.reaction_received` webhook arriving at a receiver on
 * 127.0.0.1 that verifies every signature; then the worker draining a backlog.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS || 50);
const WARMUP = 5;
const BACKLOG = Number(process.env.BENCH_WEBHOOK_BACKLOG || 200);
const CLIENTS = 8;
const ROUND_TIMEOUT_MS = 15_000;

interface Arrival {
  at: number;
  reactionId: string;
  sequence: number;
}

/** The receiver: verifies each request with the Standard Webhooks reference library, then answers 200. */
class Receiver {
  secret = "";
  arrivals: Arrival[] = [];
  unverified = 0;
  /** While set, requests wait for it before they are answered (the backlog is built behind it). */
  gate: Promise<void> | null = null;
  private waiters: { match: (a: Arrival) => boolean; resolve: (a: Arrival) => void }[] = [];
  private readonly server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const at = performance.now();
    const body = Buffer.concat(chunks).toString("utf8");
    try {
      new Webhook(this.secret).verify(body, req.headers as Record<string, string>);
    } catch {
      this.unverified++;
    }
    const data = (JSON.parse(body) as { data: { id: string; sequence: number } }).data;
    const held = this.gate;
    if (held) await held;
    const arrival = { at: held ? performance.now() : at, reactionId: data.id, sequence: data.sequence };
    this.arrivals.push(arrival);
    for (const w of this.waiters.filter((w) => w.match(arrival))) w.resolve(arrival);
    this.waiters = this.waiters.filter((w) => !w.match(arrival));
    res.writeHead(200).end("ok");
  });

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/bench-hooks`;
  }

  next(match: (a: Arrival) => boolean): Promise<Arrival> {
    const seen = this.arrivals.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the webhook never arrived")), ROUND_TIMEOUT_MS);
      this.waiters.push({
        match,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const TITLE = "Human tapback to its webhook — HTTP, production server, embedded PGlite";

export const webhookDeliverySection: Section = {
  title: TITLE,
  async run(ctx) {
    const server = await ctx.server();
    const api = apiOf(server);
    const receiver = new Receiver();
    const url = await receiver.listen();
    const endpoint = await succeeded(
      api.POST("/webhook-endpoints", {
        body: { url, events: ["imessage.reaction_received"], description: "bench receiver" },
      }),
    );
    receiver.secret = endpoint.secret;
    try {
      const { conversation_id } = await succeeded(
        api.POST("/sandbox/conversations", { body: { remote_number: "+15550100400" } }),
      );
      const agentMessage = async () =>
        (
          await succeeded(
            api.POST("/conversations/{id}/messages", {
              params: { path: { id: conversation_id } },
              body: { parts: [{ text: "An agent message the human reacts to" }] },
            }),
          )
        ).id;
      // An add answers the reaction (201, or 200 when it was already live).
      const humanTapback = async (messageId: string, type: "like" | "love" | "laugh" | "question") =>
        (await succeeded(
          api.POST("/sandbox/messages/{id}/reactions", {
            params: { path: { id: messageId } },
            body: { operation: "add", type },
          }),
        )) as components["schemas"]["Reaction"];

      // 1. One tapback at a time: from the POST's start to the webhook at the receiver.
      const messageId = await agentMessage();
      const toArrival: number[] = [];
      for (let round = 0; round < WARMUP + ROUNDS; round++) {
        const start = performance.now();
        const reaction = await humanTapback(messageId, round % 2 === 0 ? "like" : "love");
        const arrival = await receiver.next((a) => a.reactionId === reaction.id && a.sequence === reaction.sequence);
        if (round >= WARMUP) toArrival.push(arrival.at - start);
      }

      // 2. A backlog: the receiver holds its answers while CLIENTS callers queue BACKLOG
      //    events, then lets go; the drain rate is the worker's (claim, sign, send, record).
      const targets = await Promise.all(Array.from({ length: CLIENTS }, agentMessage));
      let release = () => {};
      receiver.gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const before = receiver.arrivals.length;
      const queuedAt = performance.now();
      let sent = 0;
      await Promise.all(
        targets.map(async (target, client) => {
          for (let i = 0; sent < BACKLOG; i++) {
            sent++;
            await humanTapback(target, (i + client) % 2 === 0 ? "laugh" : "question");
          }
        }),
      );
      const queueMs = performance.now() - queuedAt;
      const releasedAt = performance.now();
      receiver.gate = null;
      release();
      // Distinct events: a request the worker gave up on (timeout) and resent would count twice.
      const drained = () => new Set(receiver.arrivals.slice(before).map((a) => `${a.reactionId}/${a.sequence}`)).size;
      while (drained() < sent) {
        if (performance.now() - releasedAt > 60_000) throw new Error("the backlog did not drain within 60 s");
        await new Promise((r) => setTimeout(r, 5));
      }
      const drainMs = Math.max(...receiver.arrivals.slice(before).map((a) => a.at)) - releasedAt;
      const resent = receiver.arrivals.length - before - sent;
      if (receiver.unverified > 0) throw new Error(`${receiver.unverified} webhooks failed signature verification`);

      const latency = summarize(toArrival);
      const rows: Row[] = [
        {
          figure: "sandbox tapback → imessage.reaction_received at receiver",
          latency,
          rate: { value: sequentialRate(latency), unit: "events/s" },
        },
        {
          figure: `worker drains a backlog of ${sent} deliveries`,
          rate: { value: (sent / drainMs) * 1000, unit: "deliveries/s" },
          note: `drained in ${(drainMs / 1000).toFixed(2)} s`,
        },
      ];
      return {
        title: TITLE,
        rows,
        notes: [
          `${ROUNDS} rounds after ${WARMUP} warm-up, one client: POST a human tapback on the agent's message (like/love alternate), wait for its webhook; the receiver verifies every signature (all ${receiver.arrivals.length} verified).`,
          `backlog: ${CLIENTS} clients queued ${sent} tapbacks in ${(queueMs / 1000).toFixed(1)} s while the receiver held its answers, then released them; the rate counts from the release to the last arrival (one server; the worker sends 16 at once, at most 4 to one endpoint).`,
          ...(resent > 0
            ? [
                `${resent} held deliveries outlasted the 10 s timeout and were sent again (same webhook-id), which slows the drain.`,
              ]
            : []),
          "the worker is nudged in-process when a tapback commits, and otherwise polls every 500 ms.",
        ],
      };
    } finally {
      await api.DELETE("/webhook-endpoints/{id}", { params: { path: { id: endpoint.id } } }).catch(() => {});
      await receiver.close();
    }
  },
};
