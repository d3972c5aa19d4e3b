import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as attachment from "@/app/api/v1/agents/[id]/bridge/attachments/[guid]/route";
import * as agentById from "@/app/api/v1/agents/[id]/route";
import * as conversationMessages from "@/app/api/v1/conversations/[id]/messages/route";
import * as conversations from "@/app/api/v1/conversations/route";
import * as messageReactions from "@/app/api/v1/messages/[id]/reactions/route";
import * as messageById from "@/app/api/v1/messages/[id]/route";
import * as reactionById from "@/app/api/v1/reactions/[id]/route";
import * as reactions from "@/app/api/v1/reactions/route";
import * as inbound from "@/app/api/v1/sandbox/conversations/[id]/inbound/route";
import * as humanReactions from "@/app/api/v1/sandbox/messages/[id]/reactions/route";
import { reconcileBridge } from "@/lib/bridges/bluebubbles/reconcile";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type FakeBlueBubbles, startFakeBlueBubbles } from "./helpers/fake-bluebubbles";
import { startInboundServer } from "./helpers/inbound-server";

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
  let publicSide: Awaited<ReturnType<typeof startInboundServer>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    publicSide = await startInboundServer();
    process.env.TAPDESK_PUBLIC_URL = publicSide.url;
    process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
    process.env.TAPDESK_DATA_DIR = `/tmp/tapdesk-bridge-test-${process.pid}`;
    w = await apiWorld(backend);
    bb = await startFakeBlueBubbles({ password: PASSWORD });
  });
  afterAll(async () => {
    await bb?.close();
    await publicSide?.close();
    await w?.dispose();
    process.env = saved;
  });
  afterEach(() => bb.setMode({ latencyMs: 0, helperDown: false, unknownOutcome: null, webhooks: "once" }));

  const link = (agentId: string, bridge: unknown) =>
    w.call(agentById.PATCH, "PATCH", `/agents/${agentId}`, { params: { id: agentId }, body: { bridge } });

  /** Ava on the fake bridge, and a human who has written to her. */
  async function conversationWithHuman(parts: Array<{ text: string }> = [{ text: "hi Ava" }]) {
    const remote = nextNumber();
    const sent = await bb.human.send({ from: remote, parts });
    await bb.settled();
    const list = await w.call(conversations.GET, "GET", "/conversations?limit=200");
    const conversation = list.json.data.find((c: { remote_number: string }) => c.remote_number === remote);
    expect(conversation).toBeTruthy();
    const page = await w.call(conversationMessages.GET, "GET", `/conversations/${conversation.id}/messages`, {
      params: { id: conversation.id },
    });
    return { remote, conversationId: conversation.id as string, first: page.json.data[0], bridgeGuid: sent.guid };
  }

  it("links an agent: server info checked, webhook registered, password never returned", async () => {
    const wrong = await link(w.ava.id, { kind: "bluebubbles", url: bb.url, password: "not-it" });
    expect(wrong.status).toBe(422);
    expect(wrong.json.code).toBe("bridge_unreachable");
    expect(
      (await w.call(agentById.GET, "GET", `/agents/${w.ava.id}`, { params: { id: w.ava.id } })).json.bridge,
    ).toEqual({ kind: "sandbox" });
    const closed = await link(w.ava.id, { kind: "bluebubbles", url: "http://127.0.0.1:9", password: PASSWORD });
    expect(closed.json.code).toBe("bridge_unreachable");
    const metadata = await link(w.ava.id, { kind: "bluebubbles", url: "http://169.254.169.254", password: "x" });
    expect(metadata.status).toBe(422);
    expect(metadata.json.code).toBe("bridge_url_not_allowed");

    const linked = await link(w.ava.id, { kind: "bluebubbles", url: bb.url, password: PASSWORD });
    expect(linked.json).toMatchObject({ id: w.ava.id });
    expect(linked.status).toBe(200);
    expect(linked.json.bridge).toMatchObject({ kind: "bluebubbles", url: bb.url, status: "ok" });
    expect(linked.json.bridge.inbound_url.startsWith(`${publicSide.url}/api/bridges/bluebubbles/${w.ava.id}/`)).toBe(
      true,
    );
    expect(linked.text).not.toContain(PASSWORD);
    expect(bb.webhooks()).toEqual([
      expect.objectContaining({ url: linked.json.bridge.inbound_url, events: ["new-message", "updated-message"] }),
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
    expect(first.parts.map((p: { text: string }) => p.text)).toEqual(["hello", "there"]);

    const reply = await w.call(conversationMessages.POST, "POST", `/conversations/${conversationId}/messages`, {
      params: { id: conversationId },
      body: { parts: [{ text: "Hi! How can I help?" }] },
    });
    expect(reply.status).toBe(201);
    const textCall = bb.calls.findLast((c) => c.path === "/api/v1/message/text");
    expect(textCall?.body).toMatchObject({
      chatGuid: `any;-;${remote}`,
      message: "Hi! How can I help?",
      method: "private-api",
    });
    const two = await w.call(conversationMessages.POST, "POST", `/conversations/${conversationId}/messages`, {
      params: { id: conversationId },
      body: { parts: [{ text: "one" }, { text: "two" }] },
    });
    expect(two.status).toBe(201);
    expect(bb.calls.findLast((c) => c.path === "/api/v1/message/multipart")?.body).toMatchObject({
      chatGuid: `any;-;${remote}`,
    });
    await bb.settled();
    // The echoes of the agent's own messages add nothing.
    const page = await w.call(conversationMessages.GET, "GET", `/conversations/${conversationId}/messages`, {
      params: { id: conversationId },
    });
    expect(page.json.data.map((m: { direction: string }) => m.direction)).toEqual(["inbound", "outbound", "outbound"]);
  });

  it("the agent's tapbacks reach the bridge with message guid, part and -kind removal; echoes change nothing", async () => {
    const { first, bridgeGuid, conversationId } = await conversationWithHuman([{ text: "a" }, { text: "b" }]);
    const sent = await w.call(reactions.POST, "POST", "/reactions", {
      body: { message_id: first.id, reaction: "love", part_index: 1 },
    });
    expect(sent.status).toBe(201);
    const react = () => bb.calls.filter((c) => c.path === "/api/v1/message/react").at(-1)?.body;
    expect(react()).toMatchObject({ selectedMessageGuid: bridgeGuid, reaction: "love", partIndex: 1 });
    expect((react() as { chatGuid: string }).chatGuid).toMatch(/;-;\+1415555/);
    const replaced = await w.call(reactions.POST, "POST", "/reactions", {
      body: { message_id: first.id, reaction: "laugh", part_index: 1 },
    });
    expect(replaced.json).toMatchObject({ id: sent.json.id, reaction: "laugh", sequence: 2 });
    expect(react()).toMatchObject({ reaction: "laugh", partIndex: 1 });
    const removed = await w.call(reactionById.DELETE, "DELETE", `/reactions/${sent.json.id}`, {
      params: { id: sent.json.id },
    });
    expect(removed.status).toBe(204);
    expect(react()).toMatchObject({ reaction: "-laugh", partIndex: 1 });
    await bb.settled();
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    const changes = await w.t.prisma.reactionChange.findMany({ where: { reactionId: sent.json.id } });
    expect(changes.map((c) => [c.action, c.sequence])).toEqual([
      ["add", 1],
      ["replace", 2],
      ["remove", 3],
    ]);
    const message = await w.call(messageById.GET, "GET", `/messages/${first.id}`, { params: { id: first.id } });
    expect(message.json.reactions).toEqual([]);
    expect(conversationId).toBeTruthy();
  });

  it("an echo that arrives before the bridge's answer changes nothing either", async () => {
    const { first } = await conversationWithHuman();
    bb.setMode({ echo: "before-response" });
    try {
      for (const reaction of ["like", "question", "like"]) {
        const sent = await w.call(reactions.POST, "POST", "/reactions", { body: { message_id: first.id, reaction } });
        expect(sent.status).toBe(201);
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
    const custom = await w.call(messageReactions.POST, "POST", `/messages/${first.id}/reactions`, {
      params: { id: first.id },
      body: { operation: "add", type: "custom", custom_emoji: "🎉" },
    });
    expect(custom.status).toBe(422);
    expect(custom.json.code).toBe("reaction_not_sendable");
    expect(custom.json.detail).toMatch(/BlueBubbles/);

    bb.setMode({ helperDown: true });
    const before = await w.t.prisma.reactionChange.count();
    const failed = await w.call(reactions.POST, "POST", "/reactions", {
      body: { message_id: first.id, reaction: "like" },
    });
    expect(failed.status).toBe(502);
    expect(failed.json.code).toBe("upstream_delivery_failed");
    expect(await w.t.prisma.reactionChange.count()).toBe(before);
    expect(await w.t.prisma.slotLease.count()).toBe(0);
    const message = await w.call(messageById.GET, "GET", `/messages/${first.id}`, { params: { id: first.id } });
    expect(message.json.reactions).toEqual([]);
  });

  it("while a tapback waits on a slow bridge, reads and other conversations answer", async () => {
    const { first, conversationId } = await conversationWithHuman();
    const sandboxConversation = await w.newConversation("rex");
    const theirs = await w.call(
      inbound.POST,
      "POST",
      `/sandbox/conversations/${sandboxConversation.conversationId}/inbound`,
      {
        params: { id: sandboxConversation.conversationId },
        body: { parts: [{ text: "on the sandbox" }] },
      },
    );
    bb.setMode({ latencyMs: 3_000 });
    let slowDone = false;
    const slow = w
      .call(reactions.POST, "POST", "/reactions", { body: { message_id: first.id, reaction: "emphasize" } })
      .finally(() => {
        slowDone = true;
      });
    await bb.waitForCall((c) => c.path === "/api/v1/message/react");
    const read = await w.call(conversationMessages.GET, "GET", `/conversations/${conversationId}/messages`, {
      params: { id: conversationId },
    });
    expect(read.status).toBe(200);
    const other = await w.call(reactions.POST, "POST", "/reactions", {
      body: { message_id: theirs.json.id, reaction: "like" },
    });
    expect(other.status).toBe(201);
    expect(slowDone).toBe(false);
    expect((await slow).status).toBe(201);
  });

  it("applies the human's tapbacks: p:1/ part, replacement, emoji tapbacks 2006/3006, stickers and their removal", async () => {
    const { first, bridgeGuid, remote } = await conversationWithHuman([{ text: "one" }, { text: "two" }]);
    const reactionsOf = async () =>
      (await w.call(messageById.GET, "GET", `/messages/${first.id}`, { params: { id: first.id } })).json.reactions as {
        reaction: string;
        part_index: number;
        custom_emoji: string | null;
        sticker: { url: string } | null;
        direction: string;
      }[];

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
    const image = await w.call(attachment.GET, "GET", url.pathname.replace("/api/v1", ""), {
      params: { id: agentId!, guid: decodeURIComponent(guid!) },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toMatch(/^image\//);
    expect(image.bytes.byteLength).toBeGreaterThan(0);
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
    const { first } = await conversationWithHuman();
    const bridge = await w.call(agentById.GET, "GET", `/agents/${w.ava.id}`, { params: { id: w.ava.id } });
    const inboundUrl: string = bridge.json.bridge.inbound_url;
    const before = await w.t.prisma.reactionChange.count();
    const forged = {
      type: "new-message",
      data: {
        guid: "FORGED-GUID",
        isFromMe: false,
        associatedMessageGuid: `p:0/${first.id}`,
        associatedMessageType: "love",
        chats: [{ guid: "iMessage;-;+15550000000" }],
      },
    };
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

  it("reconciliation applies a tapback whose webhook was dropped, and settles an unknown outcome", async () => {
    const { first, bridgeGuid } = await conversationWithHuman();
    bb.setMode({ webhooks: "drop" });
    await bb.human.react({ target: bridgeGuid, type: "dislike" });
    await bb.settled();
    const reactionsOf = async () =>
      (await w.call(messageById.GET, "GET", `/messages/${first.id}`, { params: { id: first.id } })).json.reactions;
    expect(await reactionsOf()).toEqual([]);
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    expect(await reactionsOf()).toEqual([expect.objectContaining({ reaction: "dislike", direction: "inbound" })]);

    bb.setMode({ webhooks: "drop", unknownOutcome: { status: 504, happened: true, on: "react" } });
    const unknown = await w.call(reactions.POST, "POST", "/reactions", {
      body: { message_id: first.id, reaction: "like" },
    });
    expect(unknown.status).toBe(502);
    bb.setMode({ unknownOutcome: null });
    await reconcileBridge(w.t.prisma, (await bridgeOf(w.ava.id)).id, { soon: true });
    const after = await reactionsOf();
    expect(after).toEqual(
      expect.arrayContaining([expect.objectContaining({ reaction: "like", direction: "outbound" })]),
    );
    const change = await w.t.prisma.reactionChange.findFirst({ where: { messageId: first.id, direction: "outbound" } });
    expect(change?.actorType).toBe("bridge");
  });

  it("stores what a person typed even when it holds a NUL or a lone surrogate", async () => {
    const { first } = await conversationWithHuman([{ text: "nul \u0000 and \ud800 here" }]);
    expect(first.parts[0].text).toBe("nul \uFFFD and \uFFFD here");
  });

  it("refuses a second agent on the same Mac", async () => {
    const taken = await link(w.rex.id, { kind: "bluebubbles", url: bb.url, password: PASSWORD });
    expect(taken.status).toBe(409);
    expect(taken.json.code).toBe("bridge_in_use");
    expect(taken.json.detail).toContain("Ava");
  });

  it("a tapback made on the Mac itself is the agent's, placed by the bridge", async () => {
    const { first, bridgeGuid } = await conversationWithHuman();
    await bb.mac.react({ target: bridgeGuid, type: "emphasize" });
    await bb.settled();
    const message = await w.call(messageById.GET, "GET", `/messages/${first.id}`, { params: { id: first.id } });
    expect(message.json.reactions).toEqual([expect.objectContaining({ reaction: "emphasize", direction: "outbound" })]);
    const change = await w.t.prisma.reactionChange.findFirstOrThrow({ where: { messageId: first.id } });
    expect({ actor: change.actorType, id: change.actorId }).toEqual({ actor: "bridge", id: w.ava.id });
  });

  it("the sandbox controls do not exist for a bridged conversation", async () => {
    const { first, conversationId } = await conversationWithHuman();
    const send = await w.call(inbound.POST, "POST", `/sandbox/conversations/${conversationId}/inbound`, {
      params: { id: conversationId },
      body: { parts: [{ text: "fake human" }] },
    });
    expect(send.status).toBe(404);
    const react = await w.call(humanReactions.POST, "POST", `/sandbox/messages/${first.id}/reactions`, {
      params: { id: first.id },
      body: { operation: "add", type: "love" },
    });
    expect(react.status).toBe(404);
  });

  async function bridgeOf(agentId: string) {
    return w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId } });
  }
});
