import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { interpret } from "@/lib/bridges/bluebubbles/inbound";
import { reconcileBridge } from "@/lib/bridges/bluebubbles/reconcile";
import { type Schemas, textOf } from "./helpers/answers";
import type { ApiWorld } from "./helpers/api";
import { type BridgedWorld, bridgedWorld } from "./helpers/bridged-world";
import { BACKENDS } from "./helpers/db";
import type { FakeBlueBubbles } from "./helpers/fake-bluebubbles";

/**
 * An agent linked to a BlueBubbles bridge, end to end against a fake BlueBubbles server that
 * follows the real server's contract (tests/helpers/fake-bluebubbles.ts): real HTTP both ways,
 * the bridge's webhooks arriving at Tapdesk's inbound route.
 */

const PASSWORD = "bb-secret-password-1";
let human = 0;
const nextNumber = () => `+1415555${String(process.pid % 100).padStart(2, "0")}${String(++human).padStart(2, "0")}`;

describe.each(BACKENDS)("BlueBubbles bridge on %s", (backend) => {
  let w: ApiWorld;
  let bb: FakeBlueBubbles;
  let world: BridgedWorld;
  let publicSide: BridgedWorld["publicSide"];

  beforeAll(async () => {
    world = await bridgedWorld(backend, { password: PASSWORD, dataDir: "/tmp/tapdesk-bridge-test" });
    ({ w, bb, publicSide } = world);
  });
  afterAll(() => world?.dispose());
  afterEach(() => {
    bb.setMode({ latencyMs: 0, helperDown: false, unknownOutcome: null, webhooks: "once" });
    bb.resetCalls();
  });

  const link = (agentId: string, bridge: Schemas["UpdateAgentRequest"]["bridge"]) =>
    w.api.PATCH("/agents/{id}", { params: { path: { id: agentId } }, body: { bridge } });
  const getMessage = (id: string) => w.api.GET("/messages/{id}", { params: { path: { id } } });
  const sendReaction = (body: Schemas["SendReactionRequest"]) => w.api.POST("/reactions", { body });
  const messagesOf = (conversationId: string) =>
    w.api.GET("/conversations/{id}/messages", { params: { path: { id: conversationId } } });

  /** Ava on the fake bridge, and a human who has written to her. */
  async function conversationWithHuman(parts: Array<{ text: string }> = [{ text: "hi Ava" }]) {
    const remote = nextNumber();
    const sent = await bb.human.send({ from: remote, parts });
    await bb.settled();
    const list = await w.api.GET("/conversations", { params: { query: { limit: 200 } } });
    const conversation = list.data!.data.find((c) => c.remote_number === remote);
    expect(conversation).toBeTruthy();
    const page = await messagesOf(conversation!.id);
    return { remote, conversationId: conversation!.id, first: page.data!.data[0]!, bridgeGuid: sent.guid };
  }

  it("links an agent: server info checked, webhook registered, password never returned", async () => {
    const wrong = await link(w.ava.id, { kind: "bluebubbles", url: bb.url, password: "not-it" });
    expect(wrong.response.status).toBe(422);
    expect(wrong.error!.code).toBe("bridge_unreachable");
    expect((await w.api.GET("/agents/{id}", { params: { path: { id: w.ava.id } } })).data!.bridge).toEqual({
      kind: "sandbox",
    });
    const closed = await link(w.ava.id, { kind: "bluebubbles", url: "http://127.0.0.1:9", password: PASSWORD });
    expect(closed.error!.code).toBe("bridge_unreachable");
    const metadata = await link(w.ava.id, { kind: "bluebubbles", url: "http://169.254.169.254", password: "x" });
    expect(metadata.response.status).toBe(422);
    expect(metadata.error!.code).toBe("bridge_url_not_allowed");
    // With private addresses off, a bridge on this machine is refused with the guard's own sentence.
    delete process.env.TAPDESK_ALLOW_PRIVATE_URLS;
    try {
      const local = await link(w.ava.id, { kind: "bluebubbles", url: bb.url, password: PASSWORD });
      expect(local.error!.code).toBe("bridge_url_not_allowed");
      expect(local.error!.detail).toMatch(
        /loopback address; bridge URLs must be reachable on the public internet .*TAPDESK_ALLOW_PRIVATE_URLS=1/,
      );
    } finally {
      process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
    }

    const linked = await link(w.ava.id, { kind: "bluebubbles", url: bb.url, password: PASSWORD });
    expect(linked.data).toMatchObject({ id: w.ava.id });
    expect(linked.response.status).toBe(200);
    const bridge = linked.data!.bridge;
    expect(bridge).toMatchObject({ kind: "bluebubbles", url: bb.url, status: "ok" });
    const inboundUrl = bridge.kind === "bluebubbles" ? bridge.inbound_url : "";
    expect(inboundUrl.startsWith(`${publicSide.url}/api/bridges/bluebubbles/${w.ava.id}/`)).toBe(true);
    expect(textOf(linked)).not.toContain(PASSWORD);
    expect(bb.webhooks()).toEqual([
      expect.objectContaining({ url: inboundUrl, events: ["new-message", "updated-message"] }),
    ]);
    // Linking again registers nothing twice.
    await link(w.ava.id, { kind: "bluebubbles", url: bb.url, password: PASSWORD });
    expect(bb.webhooks()).toHaveLength(1);
    const stored = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    expect(stored.password).not.toContain(PASSWORD);
  });

  it("a human's first message opens a conversation; the agent's replies go out in its chat", async () => {
    bb.setMode({ chatGuidPrefix: "any" });
    const { conversationId, first, remote } = await conversationWithHuman([{ text: "hello" }, { text: "there" }]);
    bb.setMode({ chatGuidPrefix: "iMessage" });
    expect(first).toMatchObject({ direction: "inbound", sender: remote, status: "received" });
    expect(first.parts.map((p) => p.text)).toEqual(["hello", "there"]);

    const reply = await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "Hi! How can I help?" }] },
    });
    expect(reply.response.status).toBe(201);
    const textCall = bb.calls.findLast((c) => c.path === "/api/v1/message/text");
    expect(textCall?.body).toMatchObject({
      chatGuid: `any;-;${remote}`,
      message: "Hi! How can I help?",
      method: "private-api",
    });
    const two = await w.api.POST("/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "one" }, { text: "two" }] },
    });
    expect(two.response.status).toBe(201);
    expect(bb.calls.findLast((c) => c.path === "/api/v1/message/multipart")?.body).toMatchObject({
      chatGuid: `any;-;${remote}`,
    });
    await bb.settled();
    // The echoes of the agent's own messages add nothing.
    const page = await messagesOf(conversationId);
    expect(page.data!.data.map((m) => m.direction)).toEqual(["inbound", "outbound", "outbound"]);
  });

  it("the agent's tapbacks reach the bridge with message guid, part and -kind removal; echoes change nothing", async () => {
    const { first, bridgeGuid, conversationId } = await conversationWithHuman([{ text: "a" }, { text: "b" }]);
    const sent = await sendReaction({ message_id: first.id, reaction: "love", part_index: 1 });
    expect(sent.response.status).toBe(201);
    const id = sent.data!.id;
    const react = () => bb.calls.filter((c) => c.path === "/api/v1/message/react").at(-1)?.body;
    expect(react()).toMatchObject({ selectedMessageGuid: bridgeGuid, reaction: "love", partIndex: 1 });
    expect((react() as { chatGuid: string }).chatGuid).toMatch(/;-;\+1415555/);
    const replaced = await sendReaction({ message_id: first.id, reaction: "laugh", part_index: 1 });
    expect(replaced.data).toMatchObject({ id, reaction: "laugh", sequence: 2 });
    expect(react()).toMatchObject({ reaction: "laugh", partIndex: 1 });
    const removed = await w.api.DELETE("/reactions/{id}", { params: { path: { id } } });
    expect(removed.response.status).toBe(204);
    expect(react()).toMatchObject({ reaction: "-laugh", partIndex: 1 });
    await bb.settled();
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    const changes = await w.t.prisma.reactionChange.findMany({ where: { reactionId: id } });
    expect(changes.map((c) => [c.action, c.sequence])).toEqual([
      ["add", 1],
      ["replace", 2],
      ["remove", 3],
    ]);
    const message = await getMessage(first.id);
    expect(message.data!.reactions).toEqual([]);
    expect(conversationId).toBeTruthy();
  });

  it("an echo that arrives before the bridge's answer changes nothing either", async () => {
    const { first } = await conversationWithHuman();
    bb.setMode({ echo: "before-response" });
    try {
      for (const reaction of ["like", "question", "like"] as const) {
        const sent = await sendReaction({ message_id: first.id, reaction });
        expect(sent.response.status).toBe(201);
      }
      await bb.settled();
      await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    } finally {
      bb.setMode({ echo: "after-response" });
    }
    const changes = await w.t.prisma.reactionChange.findMany({
      where: { messageId: first.id },
      orderBy: { sequence: "asc" },
    });
    expect(changes.map((c) => [c.kind, c.sequence, c.actorType])).toEqual([
      ["like", 1, "api_key"],
      ["question", 2, "api_key"],
      ["like", 3, "api_key"],
    ]);
  });

  it("refuses custom emoji and stickers the bridge cannot send, and 502 with nothing changed when the helper is down", async () => {
    const { first } = await conversationWithHuman();
    const custom = await w.api.POST("/messages/{id}/reactions", {
      params: { path: { id: first.id } },
      body: { operation: "add", type: "custom", custom_emoji: "🎉" },
    });
    expect(custom.response.status).toBe(422);
    expect(custom.error!.code).toBe("reaction_not_sendable");
    expect(custom.error!.detail).toMatch(/BlueBubbles/);

    bb.setMode({ helperDown: true });
    const before = await w.t.prisma.reactionChange.count();
    const failed = await sendReaction({ message_id: first.id, reaction: "like" });
    expect(failed.response.status).toBe(502);
    expect(failed.error!.code).toBe("upstream_delivery_failed");
    expect(await w.t.prisma.reactionChange.count()).toBe(before);
    expect(await w.t.prisma.slotLease.count()).toBe(0);
    const message = await getMessage(first.id);
    expect(message.data!.reactions).toEqual([]);
  });

  it("while a tapback waits on a slow bridge, reads and other conversations answer", async () => {
    const { first, conversationId } = await conversationWithHuman();
    const sandboxConversation = await w.newConversation("rex");
    const theirs = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: sandboxConversation.conversationId } },
      body: { parts: [{ text: "on the sandbox" }] },
    });
    bb.setMode({ latencyMs: 3_000 });
    let slowDone = false;
    const slow = sendReaction({ message_id: first.id, reaction: "emphasize" }).finally(() => {
      slowDone = true;
    });
    // The slow send has reached the bridge and waits there for its answer.
    const held = await bb.waitForInFlight((c) => c.path === "/api/v1/message/react");
    const read = await messagesOf(conversationId);
    expect(read.response.status).toBe(200);
    const other = await sendReaction({ message_id: theirs.data!.id, reaction: "like" });
    expect(other.response.status).toBe(201);
    expect(slowDone).toBe(false);
    expect(held.status).toBe(0);
    // Waiting on the bridge holds no database connection (PostgreSQL's pool; PGlite has one).
    if (w.t.pool) expect(w.t.pool.totalCount - w.t.pool.idleCount).toBe(0);
    expect((await slow).response.status).toBe(201);
  });

  it("applies the human's tapbacks: p:1/ part, replacement, emoji tapbacks 2006/3006, stickers and their removal", async () => {
    const { first, bridgeGuid, remote } = await conversationWithHuman([{ text: "one" }, { text: "two" }]);
    const reactionsOf = async () => (await getMessage(first.id)).data!.reactions;

    await bb.human.react({ target: bridgeGuid, partIndex: 1, type: "love" });
    await bb.settled();
    expect(await reactionsOf()).toEqual([
      expect.objectContaining({ reaction: "love", part_index: 1, direction: "inbound" }),
    ]);
    await bb.human.react({ target: bridgeGuid, partIndex: 1, type: "question" });
    await bb.settled();
    expect((await reactionsOf()).map((r) => r.reaction)).toEqual(["question"]);
    await bb.human.react({ target: bridgeGuid, partIndex: 1, type: "-question" });
    await bb.settled();
    expect(await reactionsOf()).toEqual([]);

    await bb.human.react({ target: bridgeGuid, form: "bp", type: 2006, emoji: "🎉" });
    await bb.settled();
    expect(await reactionsOf()).toEqual([
      expect.objectContaining({ reaction: "custom", custom_emoji: "🎉", part_index: 0 }),
    ]);
    await bb.human.react({ target: bridgeGuid, form: "bp", type: 3006, emoji: "🎉" });
    await bb.settled();
    expect(await reactionsOf()).toEqual([]);

    await bb.human.react({ target: bridgeGuid, type: 1000, image: { width: 300, height: 280 } });
    await bb.settled();
    const [sticker] = await reactionsOf();
    expect(sticker).toMatchObject({ reaction: "sticker", sticker: { width: 300, height: 280 } });
    expect(sticker!.sticker!.url).not.toContain(PASSWORD);
    const url = new URL(sticker!.sticker!.url);
    const [, , , , agentId, , , guid] = url.pathname.split("/");
    const image = await w.api.GET("/agents/{id}/bridge/attachments/{guid}", {
      params: { path: { id: agentId!, guid: decodeURIComponent(guid!) } },
      parseAs: "arrayBuffer",
    });
    expect(image.response.status).toBe(200);
    expect(image.response.headers.get("content-type")).toMatch(/^image\//);
    expect((image.data as ArrayBuffer).byteLength).toBeGreaterThan(0);
    await bb.human.react({ target: bridgeGuid, type: 3007 });
    await bb.settled();
    expect(await reactionsOf()).toEqual([]);

    // The same webhook twice (and reconciliation reading everything again) applies once.
    const before = await w.t.prisma.reactionChange.count({ where: { messageId: first.id } });
    bb.setMode({ webhooks: "duplicate" });
    await bb.human.react({ target: bridgeGuid, type: "like" });
    await bb.settled();
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    expect(await w.t.prisma.reactionChange.count({ where: { messageId: first.id } })).toBe(before + 1);
    expect(remote).toBeTruthy();
  });

  it("a wrong secret or a forged body changes nothing", async () => {
    const { first, bridgeGuid } = await conversationWithHuman();
    const bridge = (await w.api.GET("/agents/{id}", { params: { path: { id: w.ava.id } } })).data!.bridge;
    const inboundUrl = bridge.kind === "bluebubbles" ? bridge.inbound_url : "";
    const before = await w.t.prisma.reactionChange.count();
    // The human's love on their real message, in the bridge's own serialization, under a guid
    // the bridge never issued: it would apply if the body were trusted (interpret says so), so
    // only re-reading the message from the bridge keeps it out.
    const forgedMessage = {
      ...bb.message(bridgeGuid)!,
      guid: `FORGED-${first.id}`,
      text: "Loved “hi Ava”",
      associatedMessageGuid: `p:0/${bridgeGuid}`,
      associatedMessageType: "love",
    };
    expect(interpret(forgedMessage)).toMatchObject({ kind: "reaction", targetGuid: bridgeGuid, reaction: "love" });
    const forged = { type: "new-message", data: forgedMessage };
    const wrongSecret = await fetch(`${inboundUrl.replace(/\/[^/]+$/, "/not-the-secret")}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(forged),
    });
    expect(wrongSecret.status).toBe(404);
    const forgedBody = await fetch(inboundUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(forged),
    });
    expect(forgedBody.status).toBe(200);
    expect((await getMessage(first.id)).data!.reactions).toEqual([]);
    const junk = await fetch(inboundUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "[1]",
    });
    expect(junk.status).toBeLessThan(500);
    for (const guid of ["AB\u0000CD", "\ud800"]) {
      const hostile = await fetch(inboundUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "new-message", data: { guid } }),
      });
      expect(hostile.status).toBe(422);
      expect((await hostile.json()).errors).toEqual([expect.objectContaining({ field: "data.guid" })]);
    }
    expect(await w.t.prisma.reactionChange.count()).toBe(before);
  });

  it("the inbound route's answers: applied, then duplicate; not a message; a body that is not a webhook", async () => {
    const { bridgeGuid } = await conversationWithHuman();
    const bridge = (await w.api.GET("/agents/{id}", { params: { path: { id: w.ava.id } } })).data!.bridge;
    const inboundUrl = bridge.kind === "bluebubbles" ? bridge.inbound_url : "";
    const post = (body: string) =>
      fetch(inboundUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    // The human's tapback, its webhook dropped on the way: Tapdesk hears of it only here.
    bb.setMode({ webhooks: "drop" });
    const tapback = await bb.human.react({ target: bridgeGuid, type: "like" });
    await bb.settled();
    bb.setMode({ webhooks: "once" });
    const webhook = JSON.stringify({ type: "new-message", data: bb.message(tapback.guid) });
    const first = await post(webhook);
    expect([first.status, await first.json()]).toEqual([200, { outcome: "applied" }]);
    const again = await post(webhook);
    expect([again.status, await again.json()]).toEqual([200, { outcome: "duplicate" }]);
    const typing = await post(JSON.stringify({ type: "typing-indicator", data: { display: true, guid: "chat" } }));
    expect([typing.status, await typing.json()]).toEqual([200, { outcome: "not_a_message" }]);
    const notWebhook = await post("[1]");
    expect(notWebhook.status).toBe(422);
    expect((await notWebhook.json()).code).toBe("validation_failed");
  });

  it("reconciliation applies a tapback whose webhook was dropped, and settles an unknown outcome", async () => {
    const { first, bridgeGuid } = await conversationWithHuman();
    bb.setMode({ webhooks: "drop" });
    await bb.human.react({ target: bridgeGuid, type: "dislike" });
    await bb.settled();
    const reactionsOf = async () => (await getMessage(first.id)).data!.reactions;
    expect(await reactionsOf()).toEqual([]);
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    expect(await reactionsOf()).toEqual([expect.objectContaining({ reaction: "dislike", direction: "inbound" })]);

    bb.setMode({ webhooks: "drop", unknownOutcome: { status: 504, happened: true, on: "react" } });
    const unknown = await sendReaction({ message_id: first.id, reaction: "like" });
    // May have been sent (SPEC §5.0): not a failure, and not safe to retry blindly.
    expect(unknown.response.status).toBe(504);
    bb.setMode({ unknownOutcome: null });
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    const after = await reactionsOf();
    expect(after).toEqual(
      expect.arrayContaining([expect.objectContaining({ reaction: "like", direction: "outbound" })]),
    );
    // Settled as if the call had answered: the change is the API key's.
    const change = await w.t.prisma.reactionChange.findFirst({ where: { messageId: first.id, direction: "outbound" } });
    expect(change?.actorType).toBe("api_key");
  });

  it("stores what a person typed even when it holds a NUL or a lone surrogate", async () => {
    const { first } = await conversationWithHuman([{ text: "nul \u0000 and \ud800 here" }]);
    expect(first.parts[0]!.text).toBe("nul \uFFFD and \uFFFD here");
  });

  it("refuses a second agent on the same Mac", async () => {
    const taken = await link(w.rex.id, { kind: "bluebubbles", url: bb.url, password: PASSWORD });
    expect(taken.response.status).toBe(409);
    expect(taken.error!.code).toBe("bridge_in_use");
    expect(taken.error!.detail).toContain("Ava");
  });

  it("a tapback made on the Mac itself is the agent's, placed by the bridge", async () => {
    const { first, bridgeGuid } = await conversationWithHuman();
    await bb.mac.react({ target: bridgeGuid, type: "emphasize" });
    await bb.settled();
    const message = await getMessage(first.id);
    expect(message.data!.reactions).toEqual([
      expect.objectContaining({ reaction: "emphasize", direction: "outbound" }),
    ]);
    const change = await w.t.prisma.reactionChange.findFirstOrThrow({ where: { messageId: first.id } });
    expect({ actor: change.actorType, id: change.actorId }).toEqual({ actor: "bridge", id: w.ava.id });
  });

  it("the sandbox controls do not exist for a bridged conversation", async () => {
    const { first, conversationId } = await conversationWithHuman();
    const send = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conversationId } },
      body: { parts: [{ text: "fake human" }] },
    });
    expect(send.response.status).toBe(404);
    const react = await w.api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: first.id } },
      body: { operation: "add", type: "love" },
    });
    expect(react.response.status).toBe(404);
  });

  async function bridgeOf(agentId: string) {
    return w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId } });
  }
});
