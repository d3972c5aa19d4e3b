import { Writable } from "node:stream";
import { format } from "node:util";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachmentUrl } from "@/lib/bridges/bluebubbles/apply";
import { reconcileBridge } from "@/lib/bridges/bluebubbles/reconcile";
import { REDACT } from "@/lib/observability/log";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { type FakeBlueBubbles, startFakeBlueBubbles } from "./helpers/fake-bluebubbles";
import { startInboundServer } from "./helpers/inbound-server";

/**
 * The bridge's secrets and the Mac's files. BlueBubbles takes its password in the query string,
 * so every bridge URL carries it: none may reach a log line, an error sentence, an answer or
 * the delivery log. And the attachment route serves only attachments Tapdesk itself read from
 * the bridge, never one a caller named in a URL.
 */

const PASSWORD = "bb-leak-canary-Zq8Kx2";
const lines: string[] = [];

// Every line the process logs during this file: pino (a logger of our own, installed before
// anything creates the process's), console, and whatever reaches stdout and stderr.
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(String(chunk));
    done();
  },
});
(globalThis as Record<symbol, unknown>)[Symbol.for("tapdesk.logger")] = pino(
  { base: undefined, level: "trace", redact: { paths: REDACT, censor: "[redacted]" } },
  sink,
);
for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    lines.push(format(...args));
    original(...args);
  };
}
for (const stream of [process.stdout, process.stderr]) {
  const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return original(chunk, ...rest);
  }) as typeof stream.write;
}

describe("a bridge's password and the Mac's files", () => {
  let w: ApiWorld;
  let bb: FakeBlueBubbles;
  let publicSide: Awaited<ReturnType<typeof startInboundServer>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    publicSide = await startInboundServer();
    process.env.TAPDESK_PUBLIC_URL = publicSide.url;
    process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
    w = await apiWorld("pglite");
    bb = await startFakeBlueBubbles({ password: PASSWORD });
    const linked = await w.api.PATCH("/agents/{id}", {
      params: { path: { id: w.ava.id } },
      body: { bridge: { kind: "bluebubbles", url: bb.url, password: PASSWORD } },
    });
    expect(linked.response.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await bb?.close();
    await publicSide?.close();
    await w?.dispose();
    process.env = saved;
  });

  const download = (agentId: string, guid: string, key?: string) =>
    (key ? w.as(key) : w.api).GET("/agents/{id}/bridge/attachments/{guid}", {
      params: { path: { id: agentId, guid } },
      parseAs: "arrayBuffer",
    });

  it("serves an attachment Tapdesk read from the bridge, and none a caller named in a URL", async () => {
    // The human sends two photos; Tapdesk hears of the first only (the second's webhook is lost
    // and reconciliation has not run: Tapdesk never read it).
    const remote = `+1415777${String(process.pid % 10_000).padStart(4, "0")}`;
    const seen = await bb.human.send({ from: remote, parts: [{ image: { fileName: "seen.png" } }] });
    const unseen = await bb.human.send({
      from: remote,
      parts: [{ image: { fileName: "private.png" } }],
      webhooks: "drop",
    });
    await bb.settled();
    const guidOf = (message: { guid: string }) =>
      (bb.message(message.guid)!.attachments as Array<{ guid: string }>)[0]!.guid;
    expect((await download(w.ava.id, guidOf(seen))).response.status).toBe(200);

    // A sandbox agent's sticker naming the unseen attachment's URL (any workspace key or member can).
    const { conversationId } = await w.newConversation("rex");
    const sent = await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "hello" }] },
    });
    const stolen = attachmentUrl(w.ava.id, guidOf(unseen));
    const sticker = await w.api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: sent.data!.id } },
      body: {
        operation: "add",
        type: "sticker",
        sticker: { file_name: "x.png", mime_type: "image/png", url: stolen, width: 10, height: 10 },
      },
    });
    expect(sticker.response.status).toBeLessThan(300);
    // And an agent message whose attachment part names it.
    await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      body: { parts: [{ attachment: { url: stolen, mime_type: "image/png", file_name: "x.png" } }] },
    });
    const refused = await download(w.ava.id, guidOf(unseen));
    expect(refused.response.status).toBe(404);
    expect(bb.calls.filter((c) => c.path.includes(guidOf(unseen)))).toEqual([]);

    // Once reconciliation has read it from the bridge, it is Tapdesk's to serve.
    const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    await reconcileBridge(w.t.prisma, bridge.id, { soon: true });
    expect((await download(w.ava.id, guidOf(unseen))).response.status).toBe(200);
  });

  it("never puts the password in a log line, an error sentence, an answer or the delivery log", async () => {
    const answers: string[] = [];
    const keep = async (p: Promise<{ response: Response; error?: unknown; data?: unknown }>) => {
      const res = await p;
      answers.push(JSON.stringify({ status: res.response.status, error: res.error, data: res.data ?? null }));
      return res;
    };
    // A wrong password, an unreachable Mac and an unknown outcome, while things go on.
    await keep(
      w.api.PATCH("/agents/{id}", {
        params: { path: { id: w.rex.id } },
        body: { bridge: { kind: "bluebubbles", url: bb.url, password: `${PASSWORD}-wrong` } },
      }),
    );
    const remote = `+1415778${String(process.pid % 10_000).padStart(4, "0")}`;
    const first = await bb.human.send({ from: remote, parts: [{ text: "hi" }] });
    await bb.settled();
    const message = await w.t.prisma.message.findFirstOrThrow({ where: { bridgeGuid: first.guid } });
    bb.setMode({ unknownOutcome: { status: 504, happened: false, on: "react" } });
    await keep(w.api.POST("/reactions", { body: { message_id: message.id, reaction: "love" } }));
    bb.setMode({ unknownOutcome: null, helperDown: true });
    await keep(w.api.POST("/reactions", { body: { message_id: message.id, reaction: "like" } }));
    bb.setMode({ helperDown: false });
    await keep(w.api.GET("/agents/{id}", { params: { path: { id: w.ava.id } } }));
    const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    await reconcileBridge(w.t.prisma, bridge.id, { soon: true });
    // The Mac goes away: sends, reads and reconciliation fail on the network.
    await bb.close();
    await keep(w.api.POST("/reactions", { body: { message_id: message.id, reaction: "laugh" } }));
    await keep(
      w.api.GET("/agents/{id}/bridge/attachments/{guid}", { params: { path: { id: w.ava.id, guid: "at_0_gone" } } }),
    );
    await reconcileBridge(w.t.prisma, bridge.id, { soon: true }).catch((error: Error) =>
      answers.push(String(error.message)),
    );

    const stored = JSON.stringify(
      {
        attempts: await w.t.prisma.webhookAttempt.findMany(),
        deliveries: await w.t.prisma.webhookDelivery.findMany(),
        events: await w.t.prisma.webhookEvent.findMany(),
        bridges: await w.t.prisma.blueBubblesBridge.findMany(),
        changes: await w.t.prisma.reactionChange.findMany(),
      },
      (_key, value) => (typeof value === "bigint" ? String(value) : value),
    );
    const everything = [...lines, ...answers, stored].join("\n");
    expect(lines.length + answers.length).toBeGreaterThan(5);
    for (const form of [PASSWORD, encodeURIComponent(PASSWORD)]) {
      expect(everything.includes(form), `the password (${form}) appeared`).toBe(false);
    }
  });
});
