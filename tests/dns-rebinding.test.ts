import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setBridgeResolver } from "@/lib/bridges/bluebubbles/bridge";
import { reconcileBridge } from "@/lib/bridges/bluebubbles/reconcile";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { checkDestination, type Resolver } from "@/lib/webhooks/ssrf";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { type FakeBlueBubbles, startFakeBlueBubbles } from "./helpers/fake-bluebubbles";
import { startInboundServer } from "./helpers/inbound-server";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * DNS rebinding: a host name answers one address when Tapdesk checks it and another when
 * something looks it up again. Here the checked answer is 127.0.0.2 (where the fake bridge
 * and the webhook receiver listen) and the second lookup is the system's own for
 * `localhost`: 127.0.0.1, where an "internal service" counts every connection it gets. Every
 * outbound request must connect to the checked address; the internal service must see none.
 * (Only loopback is used: a public address would send traffic off this machine.)
 */

interface Internal {
  connections: number;
  close(): Promise<void>;
}

/** The service a rebinding attacker wants to reach, on 127.0.0.1 and ::1 at `port`. */
async function internalService(port: number): Promise<Internal> {
  const state = { connections: 0 };
  const servers: http.Server[] = [];
  for (const host of ["127.0.0.1", "::1"]) {
    const server = http.createServer((_req, res) => res.end('{"status":200,"data":{"leaked":"internal"}}'));
    server.on("connection", () => state.connections++);
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, host, () => resolve(true));
    });
    if (listening) servers.push(server);
  }
  if (servers.length === 0) throw new Error(`port ${port} is taken on loopback`);
  return {
    get connections() {
      return state.connections;
    },
    close: async () => {
      await Promise.all(
        servers.map((s) => new Promise((resolve) => s.close(resolve)).then(() => s.closeAllConnections())),
      );
    },
  };
}

const portOf = (url: string) => Number(new URL(url).port);

/** What the guard's lookups answer for localhost: the address the fakes listen on. */
const checkedAnswer: Resolver = async (hostname) => (hostname === "localhost" ? ["127.0.0.2"] : []);

describe("DNS rebinding on bridge calls, reconciliation, attachments and webhooks", () => {
  let w: ApiWorld;
  let bb: FakeBlueBubbles;
  let bridgeInternal: Internal;
  let receiver: Receiver;
  let webhookInternal: Internal;
  let publicSide: Awaited<ReturnType<typeof startInboundServer>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    publicSide = await startInboundServer();
    process.env.TAPDESK_PUBLIC_URL = publicSide.url;
    // Private mode: the loopback fakes are allowed, and pinning must hold there too.
    process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
    w = await apiWorld("pglite");
    bb = await startFakeBlueBubbles({ password: "rebinding-bridge-password" }, { host: "127.0.0.2" });
    bridgeInternal = await internalService(portOf(bb.url));
    receiver = await startReceiver("/hooks", "127.0.0.2");
    webhookInternal = await internalService(receiver.port);
    setBridgeResolver(checkedAnswer);
  }, 180_000);
  afterAll(async () => {
    setBridgeResolver(null);
    await Promise.all([bb?.close(), bridgeInternal?.close(), receiver?.close(), webhookInternal?.close()]);
    await publicSide?.close();
    await w?.dispose();
    process.env = saved;
  });

  it("links, reads, sends, reconciles and downloads through the checked address only", async () => {
    const url = `http://localhost:${portOf(bb.url)}`;
    const linked = await w.api.PATCH("/agents/{id}", {
      params: { path: { id: w.ava.id } },
      body: { bridge: { kind: "bluebubbles", url, password: "rebinding-bridge-password" } },
    });
    expect(linked.response.status).toBe(200);

    // The human writes (Tapdesk re-reads the message from the bridge) and reacts with a sticker.
    const remote = `+1415666${String(process.pid % 10_000).padStart(4, "0")}`;
    const sent = await bb.human.send({ from: remote, parts: [{ text: "hi" }] });
    await bb.settled();
    const list = await w.api.GET("/conversations", { params: { query: { limit: 200 } } });
    const conversation = list.data!.data.find((c) => c.remote_number === remote)!;
    expect(conversation).toBeTruthy();
    const page = await w.api.GET("/conversations/{id}/messages", { params: { path: { id: conversation.id } } });
    const first = page.data!.data[0]!;
    await bb.human.react({ target: sent.guid, type: 1000, image: { width: 120, height: 120 } });
    await bb.settled();

    // The agent reacts: a bridge send.
    const reacted = await w.api.POST("/reactions", { body: { message_id: first.id, reaction: "like" } });
    expect(reacted.error ?? reacted.response.status).toBe(201);
    // Reconciliation.
    const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    await reconcileBridge(w.t.prisma, bridge.id, { soon: true });
    // The sticker's image, downloaded from the bridge.
    const message = await w.api.GET("/messages/{id}", { params: { path: { id: first.id } } });
    const sticker = message.data!.reactions.find((r) => r.reaction === "sticker")!;
    const [, , , , agentId, , , guid] = new URL(sticker.sticker!.url).pathname.split("/");
    const image = await w.api.GET("/agents/{id}/bridge/attachments/{guid}", {
      params: { path: { id: agentId!, guid: decodeURIComponent(guid!) } },
      parseAs: "arrayBuffer",
    });
    expect(image.response.status).toBe(200);

    const paths = bb.calls.map((c) => c.path);
    for (const expected of ["/api/v1/server/info", "/api/v1/message/react", "/api/v1/message/query"]) {
      expect(paths).toContain(expected);
    }
    expect(paths.some((p) => p.endsWith("/download"))).toBe(true);
    expect(bridgeInternal.connections).toBe(0);
  });

  it("delivers webhooks to the checked address only", async () => {
    const endpoint = await createEndpoint(
      w.t.prisma,
      w.scope,
      { url: `http://localhost:${receiver.port}/hooks`, events: ["reaction.added"] },
      { resolver: checkedAnswer, allowPrivate: true },
    );
    receiver.secrets.push(endpoint.secret);
    const worker = startWebhookWorker(w.t.prisma, { resolver: checkedAnswer, allowPrivate: true, pollMs: 20 });
    try {
      const { conversationId } = await w.newConversation("rex");
      const sent = await w.api.POST("/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "hello" }] },
      });
      await w.api.POST("/reactions", { body: { message_id: sent.data!.id, reaction: "love" } });
      await receiver.waitFor((r) => r.length > 0, 30_000);
    } finally {
      await worker.stop();
    }
    expect(webhookInternal.connections).toBe(0);
  });
});

describe("the guard's answer is the only lookup", () => {
  it("a name that answers a public address first and 127.0.0.1 next is refused at the next check", async () => {
    let calls = 0;
    const rebinding: Resolver = async () => (++calls === 1 ? ["93.184.215.14"] : ["127.0.0.1"]);
    const url = new URL("https://rebind.example/hook");
    expect(await checkDestination(url, { resolver: rebinding, allowPrivate: false })).toEqual({
      address: "93.184.215.14",
      family: 4,
    });
    await expect(checkDestination(url, { resolver: rebinding, allowPrivate: false })).rejects.toThrow(/127\.0\.0\.1/);
  });

  it("IPv6 destinations must be global unicast (2000::/3), in either mode", async () => {
    for (const allowPrivate of [false, true]) {
      for (const host of ["[::127.0.0.1]", "[::7f00:1]", "[fe80::1]", "[::]", "[ff02::1]", "[64:ff9b::7f00:1]"]) {
        await expect(checkDestination(new URL(`http://${host}/`), { allowPrivate }), host).rejects.toThrow();
      }
    }
    expect(await checkDestination(new URL("http://[2606:4700:4700::1111]/"), { allowPrivate: false })).toEqual({
      address: "2606:4700:4700::1111",
      family: 6,
    });
    await expect(checkDestination(new URL("http://[::1]/"), { allowPrivate: false })).rejects.toThrow();
    expect(await checkDestination(new URL("http://[::1]/"), { allowPrivate: true })).toEqual({
      address: "::1",
      family: 6,
    });
  });

  it("private mode also pins: the checked address is returned, never left to a later lookup", async () => {
    expect(
      await checkDestination(new URL("http://localhost:1/"), { resolver: checkedAnswer, allowPrivate: true }),
    ).toEqual({
      address: "127.0.0.2",
      family: 4,
    });
  });
});
