import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { reconcileBridge } from "@/lib/bridges/bluebubbles/reconcile";
import { LEASE_DEFAULTS } from "@/lib/tapbacks/slot-lease";
import { drainSends } from "@/lib/upstream/in-flight";
import type { ApiWorld } from "./helpers/api";
import { type BridgedWorld, bridgedWorld } from "./helpers/bridged-world";
import { BACKENDS } from "./helpers/db";
import type { FakeBlueBubbles } from "./helpers/fake-bluebubbles";

/**
 * SPEC §5.0 against the fake BlueBubbles server (tests/helpers/fake-bluebubbles.ts, written from
 * the real server's source): the phone's order wins over the network's, unknown outcomes are
 * settled once, nothing is dropped. Each test reproduces one finding of issue 16.
 */

const PASSWORD = "bb-secret-password-16";
let human = 0;
const nextNumber = () => `+1415666${String(process.pid % 100).padStart(2, "0")}${String(++human).padStart(2, "0")}`;

describe.each(BACKENDS)("exactly once, in the phone's order, on %s", (backend) => {
  let w: ApiWorld;
  let bb: FakeBlueBubbles;
  let world: BridgedWorld;

  beforeAll(async () => {
    world = await bridgedWorld(backend, { password: PASSWORD, dataDir: "/tmp/tapdesk-bridge16-test", link: true });
    ({ w, bb } = world);
  });
  afterAll(() => world?.dispose());
  afterEach(async () => {
    await bb.release();
    bb.setMode({ latencyMs: 0, confirmDelayMs: 0, unknownOutcome: null, webhooks: "once" });
  });

  const getMessage = (id: string) => w.api.GET("/messages/{id}", { params: { path: { id } } });
  const reactionsOf = async (id: string) => (await getMessage(id)).data!.reactions;
  /** Waits until the bridge's guid has been applied (a webhook may be answered before it is). */
  const applied = async (guid: string) => {
    for (let i = 0; i < 500; i++) {
      if (await w.t.prisma.bridgeGuid.findFirst({ where: { guid } })) return;
      await sleep(20);
    }
    throw new Error(`${guid} was never applied`);
  };
  const reconcile = async () => {
    const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    return reconcileBridge(w.t.prisma, bridge.id, { soon: true });
  };

  /** A human who has written to Ava through the bridge: the message Tapdesk recorded and its bridge guid. */
  async function conversationWithHuman(parts: Array<{ text: string }> = [{ text: "hi Ava" }]) {
    const remote = nextNumber();
    const sent = await bb.human.send({ from: remote, parts, webhooks: "once" });
    await bb.settled();
    const message = await w.t.prisma.message.findFirstOrThrow({ where: { bridgeGuid: sent.guid } });
    return { remote, conversationId: message.conversationId, messageId: message.id, bridgeGuid: sent.guid };
  }

  describe("finding 1: the phone's order wins", () => {
    it("a newer tapback's webhook arriving before an older one's leaves the newer one live", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const love = await bb.human.react({ target: bridgeGuid, type: "love", webhooks: "hold" });
      const like = await bb.human.react({ target: bridgeGuid, type: "like", webhooks: "hold" });
      expect(like.dateCreated as number).toBeGreaterThan(love.dateCreated as number);
      await bb.release(like.guid);
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "like" })]);
      await bb.release(love.guid);
      // The phone shows like: so must Tapdesk.
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "like" })]);
      // The late one counts as applied: reading it again (reconciliation) changes nothing either.
      await reconcile();
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "like" })]);
      const changes = await w.t.prisma.reactionChange.findMany({ where: { messageId }, orderBy: { sequence: "asc" } });
      expect(changes.map((c) => c.kind)).toEqual(["like"]);
    });

    it("a dropped older tapback applied by reconciliation after a newer one changes nothing", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      await bb.human.react({ target: bridgeGuid, type: "love", webhooks: "drop" });
      await bb.human.react({ target: bridgeGuid, type: "like", webhooks: "once" });
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "like" })]);
      await reconcile();
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "like" })]);
    });

    it("love then un-love delivered in reverse leaves nothing live", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const love = await bb.human.react({ target: bridgeGuid, type: "love", webhooks: "hold" });
      const unlove = await bb.human.react({ target: bridgeGuid, type: "-love", webhooks: "hold" });
      await bb.release(unlove.guid);
      await bb.release(love.guid);
      expect(await reactionsOf(messageId)).toEqual([]);
      // Nothing was ever live on the phone after the removal: no change is recorded.
      expect(await w.t.prisma.reactionChange.count({ where: { messageId } })).toBe(0);
    });

    // Found by the chaos soak (seed 651351229): a removal of another kind changes nothing on the
    // phone, so it must not make an older tapback delivered after it "past".
    it("an older tapback delivered after a newer removal of another kind stays live, as on the phone", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const laugh = await bb.human.react({ target: bridgeGuid, type: "laugh", webhooks: "hold" });
      const unemphasize = await bb.human.react({ target: bridgeGuid, type: "-emphasize", webhooks: "hold" });
      await bb.release(unemphasize.guid);
      await bb.release(laugh.guid);
      await applied(unemphasize.guid);
      await applied(laugh.guid);
      // The phone: laugh, then a removal of an emphasize that is not there: laugh.
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "laugh" })]);
    });

    it("love, like, un-like delivered as love, un-like, like leaves nothing live, as on the phone", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const love = await bb.human.react({ target: bridgeGuid, type: "love", webhooks: "hold" });
      const like = await bb.human.react({ target: bridgeGuid, type: "like", webhooks: "hold" });
      const unlike = await bb.human.react({ target: bridgeGuid, type: "-like", webhooks: "hold" });
      await bb.release(love.guid);
      await bb.release(unlike.guid);
      await applied(unlike.guid);
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "love" })]);
      await bb.release(like.guid);
      await applied(like.guid);
      // Like replaced love on the phone and was then taken away: nothing is live.
      expect(await reactionsOf(messageId)).toEqual([]);
      // Reading them all again changes nothing.
      await reconcile();
      expect(await reactionsOf(messageId)).toEqual([]);
    });

    it("the agent's removal of a tapback the Mac had already replaced leaves the Mac's one live when it arrives", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const added = await w.raw("POST", "/reactions", { body: { message_id: messageId, reaction: "love" } });
      expect(added.response.status).toBe(201);
      await bb.settled();
      // Someone on the Mac taps like; its webhook is late. The agent then removes its love:
      // on the phone that removal finds like, and changes nothing.
      const like = await bb.mac.react({ target: bridgeGuid, type: "like", webhooks: "hold" });
      const removed = await w.raw("POST", `/messages/${messageId}/reactions`, {
        body: { operation: "remove", type: "love" },
      });
      expect(removed.response.status).toBe(200);
      await bb.release(like.guid);
      await applied(like.guid);
      const outbound = (await reactionsOf(messageId)).filter((r: { direction: string }) => r.direction === "outbound");
      expect(outbound).toEqual([expect.objectContaining({ reaction: "like" })]);
    });
  });

  describe("finding 2: unknown outcomes are settled, never retried blindly", () => {
    const textCalls = () => bb.calls.filter((c) => c.path === "/api/v1/message/text").length;
    const reactCalls = () => bb.calls.filter((c) => c.path === "/api/v1/message/react").length;
    const sendWithKey = (conversationId: string, text: string, key: string) =>
      w.raw("POST", `/conversations/${conversationId}/messages`, {
        body: { parts: [{ text }] },
        headers: { "idempotency-key": key },
      });
    const onMac = (text: string) => bb.messages().filter((m) => m.text === text).length;
    const inTapdesk = (conversationId: string, text: string) =>
      w.t.prisma.messagePart.count({ where: { text, message: { conversationId } } });

    it("Message Send Error after sending: 504, the key stays bound, a retry sends nothing, the message appears once", async () => {
      const { conversationId } = await conversationWithHuman();
      const text = `exactly once ${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      bb.setMode({ unknownOutcome: { status: 500, happened: true, on: "send" }, webhooks: "hold" });
      const calls = textCalls();
      const first = await sendWithKey(conversationId, text, key);
      expect(first.response.status).toBe(504);
      expect(first.error.code).toBe("upstream_outcome_unknown");
      bb.setMode({ unknownOutcome: null });
      // Unsettled: the retry is not performed again.
      const again = await sendWithKey(conversationId, text, key);
      expect(again.response.status).toBe(504);
      expect(textCalls()).toBe(calls + 1);
      expect(await inTapdesk(conversationId, text)).toBe(0);
      // The echo carries the send's tempGuid: it settles the send as sent.
      await bb.release();
      const settled = await sendWithKey(conversationId, text, key);
      expect(settled.response.status).toBe(201);
      expect(settled.data.parts[0].text).toBe(text);
      expect(textCalls()).toBe(calls + 1);
      expect(onMac(text)).toBe(1);
      expect(await inTapdesk(conversationId, text)).toBe(1);
      // Replayed byte for byte from now on.
      const replay = await sendWithKey(conversationId, text, key);
      expect(replay.text).toBe(settled.text);
      // Reconciliation reads the same message again: still once.
      await reconcile();
      expect(await inTapdesk(conversationId, text)).toBe(1);
    });

    it("with the echo lost, reconciliation settles the send from the bridge's history", async () => {
      const { conversationId } = await conversationWithHuman();
      const text = `reconciled ${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      bb.setMode({ unknownOutcome: { status: 504, happened: true, on: "send" }, webhooks: "drop" });
      expect((await sendWithKey(conversationId, text, key)).response.status).toBe(504);
      bb.setMode({ unknownOutcome: null });
      await reconcile();
      const settled = await sendWithKey(conversationId, text, key);
      expect(settled.response.status).toBe(201);
      expect(onMac(text)).toBe(1);
      expect(await inTapdesk(conversationId, text)).toBe(1);
    });

    it("a send the Mac never made is settled as not sent, and only then does the same key send afresh", async () => {
      const { conversationId } = await conversationWithHuman();
      const text = `never sent ${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      bb.setMode({ unknownOutcome: { status: 500, happened: false, on: "send" } });
      const calls = textCalls();
      expect((await sendWithKey(conversationId, text, key)).response.status).toBe(504);
      bb.setMode({ unknownOutcome: null });
      expect((await sendWithKey(conversationId, text, key)).response.status).toBe(504);
      expect(textCalls()).toBe(calls + 1);
      // Past its window, the bridge's history does not show it.
      const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
      while ((await reconcileBridge(w.t.prisma, bridge.id, { soon: true, now: Date.now() + 10 * 60_000 })) === null) {
        await sleep(20);
      }
      const retried = await sendWithKey(conversationId, text, key);
      expect(retried.response.status).toBe(201);
      expect(textCalls()).toBe(calls + 2);
      expect(onMac(text)).toBe(1);
      expect(await inTapdesk(conversationId, text)).toBe(1);
    });

    it("a tapback whose outcome is unknown is settled by its echo, as its sender's, once", async () => {
      const { messageId } = await conversationWithHuman();
      const key = `key-${randomUUID()}`;
      const send = () =>
        w.raw("POST", "/reactions", {
          body: { message_id: messageId, reaction: "laugh" },
          headers: { "idempotency-key": key },
        });
      bb.setMode({ unknownOutcome: { status: 500, happened: true, on: "react" }, webhooks: "hold" });
      const calls = reactCalls();
      const first = await send();
      expect(first.response.status).toBe(504);
      expect(first.error.code).toBe("upstream_outcome_unknown");
      bb.setMode({ unknownOutcome: null });
      expect((await send()).response.status).toBe(504);
      expect(reactCalls()).toBe(calls + 1);
      expect(await reactionsOf(messageId)).toEqual([]);
      await bb.release();
      const settled = await send();
      expect(settled.response.status).toBe(201);
      expect(settled.data).toMatchObject({ reaction: "laugh", direction: "outbound" });
      expect(reactCalls()).toBe(calls + 1);
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "laugh" })]);
      const changes = await w.t.prisma.reactionChange.findMany({ where: { messageId } });
      expect(changes.map((c) => [c.kind, c.actorType])).toEqual([["laugh", "api_key"]]);
    });

    // Found by the chaos soak (seed 651351230): the echo of an unsettled tapback arrived after a
    // newer change on the Mac, was found past, and left the send unsettled; reconciliation then
    // called it not sent, and the retry with its key sent it again.
    it("an unsettled tapback whose echo the Mac has since superseded is settled as sent: a retry sends nothing", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const key = `key-${randomUUID()}`;
      const send = () =>
        w.raw("POST", "/reactions", {
          body: { message_id: messageId, reaction: "love" },
          headers: { "idempotency-key": key },
        });
      bb.setMode({ unknownOutcome: { status: 500, happened: true, on: "react" }, webhooks: "hold" });
      const calls = reactCalls();
      expect((await send()).response.status).toBe(504);
      bb.setMode({ unknownOutcome: null });
      const echo = bb.held();
      expect(echo).toHaveLength(1);
      // Someone on the Mac taps like after it; its webhook is applied first, then the send's echo.
      const like = await bb.mac.react({ target: bridgeGuid, type: "like", webhooks: "once" });
      await applied(like.guid);
      await bb.release(echo[0]);
      await applied(echo[0]!);
      // Reconciliation, past the send's window, reads the bridge's history again.
      const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
      while ((await reconcileBridge(w.t.prisma, bridge.id, { soon: true, now: Date.now() + 10 * 60_000 })) === null) {
        await sleep(20);
      }
      const retried = await send();
      expect(retried.response.status).toBe(200);
      expect(reactCalls()).toBe(calls + 1);
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "like" })]);
    });

    // Found by the chaos soak (seed 20261207): the echo of a tapback arrived while its send was
    // still being answered; it looked for the unsettled send before waiting for the slot, found
    // none yet, and was recorded as the bridge's own change. The send then stayed unsettled,
    // reconciliation (its guid applied) called it not sent, and the retry sent it again.
    it("an echo that arrives before its send's unknown outcome is answered still settles that send", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const key = `key-${randomUUID()}`;
      const send = () =>
        w.raw("POST", "/reactions", {
          body: { message_id: messageId, reaction: "question" },
          headers: { "idempotency-key": key },
        });
      // The Mac sends the tapback and its webhook goes out before the 500 is answered.
      bb.setMode({ unknownOutcome: { status: 500, happened: true, on: "react" }, webhooks: "once" });
      const calls = reactCalls();
      expect((await send()).response.status).toBe(504);
      bb.setMode({ unknownOutcome: null });
      const echo = bb
        .messages()
        .filter((m) => m.associatedMessageType === "question")
        .at(-1)!;
      await applied(echo.guid);
      // Someone on the Mac then taps like: the question is no longer live there.
      const like = await bb.mac.react({ target: bridgeGuid, type: "like", webhooks: "once" });
      await applied(like.guid);
      const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
      while ((await reconcileBridge(w.t.prisma, bridge.id, { soon: true, now: Date.now() + 10 * 60_000 })) === null) {
        await sleep(20);
      }
      const retried = await send();
      expect(retried.response.status).toBe(201);
      expect(reactCalls()).toBe(calls + 1);
      const changes = await w.t.prisma.reactionChange.findMany({ where: { messageId } });
      expect(changes.map((c) => [c.kind, c.actorType])).toEqual([
        ["question", "api_key"],
        ["like", "bridge"],
      ]);
    });

    // Found by the chaos soak (seed 0): two unsettled tapbacks of one kind on one slot, the older
    // never made on the Mac (500), the newer made (504). The newer one's echo settled the older
    // one (the first unsettled send of that kind), the newer one stayed unsettled, reconciliation
    // (its echo's guid applied) called it not sent, and its retry, the slot having changed since,
    // sent the tapback again.
    it("two unsettled tapbacks of one kind on a slot: the echo settles the send it is of, and a retry sends nothing", async () => {
      const { messageId, bridgeGuid } = await conversationWithHuman();
      const like = { message_id: messageId, reaction: "like" };
      const key = `key-${randomUUID()}`;
      const keyed = () => w.raw("POST", "/reactions", { body: like, headers: { "idempotency-key": key } });
      // A: the Mac never makes it. B (with a key): the Mac makes it, its webhook held.
      bb.setMode({ unknownOutcome: { status: 500, happened: false, on: "react" }, webhooks: "hold" });
      expect((await w.raw("POST", "/reactions", { body: like })).response.status).toBe(504);
      bb.setMode({ unknownOutcome: { status: 504, happened: true, on: "react" } });
      expect((await keyed()).response.status).toBe(504);
      expect(bb.reactionsSentOn(bridgeGuid)).toBe(1);
      bb.setMode({ unknownOutcome: null });
      const echo = bb.held();
      expect(echo).toHaveLength(1);
      await bb.release(echo[0]);
      await applied(echo[0]!);
      // The agent moves on: love replaces like on the phone.
      expect(
        (await w.raw("POST", "/reactions", { body: { message_id: messageId, reaction: "love" } })).response.status,
      ).toBe(201);
      expect(bb.reactionsSentOn(bridgeGuid)).toBe(2);
      // Reconciliation, past both sends' windows, reads the bridge's history again.
      const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
      while ((await reconcileBridge(w.t.prisma, bridge.id, { soon: true, now: Date.now() + 10 * 60_000 })) === null) {
        await sleep(20);
      }
      const retried = await keyed();
      expect(retried.response.status).toBe(201);
      expect(retried.data).toMatchObject({ reaction: "like", direction: "outbound" });
      expect(bb.reactionsSentOn(bridgeGuid)).toBe(2);
      expect(await reactionsOf(messageId)).toEqual([expect.objectContaining({ reaction: "love" })]);
    });
    it("the sandbox's unknown mode delivers, answers 504, and settles it as sent", async () => {
      const { conversationId } = await w.newConversation("rex");
      const text = `sandbox unknown ${randomUUID()}`;
      const key = `key-${randomUUID()}`;
      const mode = await w.raw("PUT", "/sandbox/upstream", { body: { mode: "unknown" } });
      expect(mode.response.status).toBe(200);
      try {
        const first = await sendWithKey(conversationId, text, key);
        expect(first.response.status).toBe(504);
        expect(first.error.code).toBe("upstream_outcome_unknown");
        let settled = await sendWithKey(conversationId, text, key);
        for (let i = 0; i < 50 && settled.response.status === 504; i++) {
          await sleep(100);
          settled = await sendWithKey(conversationId, text, key);
        }
        expect(settled.response.status).toBe(201);
        expect(await inTapdesk(conversationId, text)).toBe(1);
      } finally {
        await w.raw("PUT", "/sandbox/upstream", { body: { mode: "ok" } });
      }
    });
  });

  it("finding 4: two messages applied out of order leave the inbox times at the newer one", async () => {
    const { remote, conversationId } = await conversationWithHuman();
    const older = await bb.human.send({ from: remote, parts: [{ text: "first" }], webhooks: "hold" });
    const newer = await bb.human.send({ from: remote, parts: [{ text: "second" }], webhooks: "hold" });
    await bb.release(newer.guid);
    await bb.release(older.guid);
    const conversation = await w.t.prisma.conversation.findUniqueOrThrow({ where: { id: conversationId } });
    expect(conversation.lastInboundAt?.getTime()).toBe(newer.dateCreated);
    expect(conversation.lastActivityAt.getTime()).toBe(newer.dateCreated);
  });

  it("finding 3: a send that reconciliation recorded first is answered with that message, once", async () => {
    const { conversationId } = await conversationWithHuman();
    const text = `slow answer ${randomUUID()}`;
    bb.setMode({ confirmDelayMs: 1_500 });
    const sending = w.raw("POST", `/conversations/${conversationId}/messages`, { body: { parts: [{ text }] } });
    for (let i = 0; i < 100 && !bb.messages().some((m) => m.text === text); i++) await sleep(20);
    // Reconciliation runs while the bridge has not answered yet, the message old enough to be recorded.
    const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    // A run still under way (one an earlier test's unknown outcome scheduled) answers null: ask again.
    while ((await reconcileBridge(w.t.prisma, bridge.id, { soon: true, now: Date.now() + 60_000 })) === null) {
      await sleep(20);
    }
    expect(await w.t.prisma.messagePart.count({ where: { text, message: { conversationId } } })).toBe(1);
    const sent = await sending;
    expect(sent.response.status).toBe(201);
    expect(sent.data.parts[0].text).toBe(text);
    expect(await w.t.prisma.messagePart.count({ where: { text, message: { conversationId } } })).toBe(1);
  });

  it("finding 2: a connection cut after the send reached the bridge is an unknown outcome, not a failure", async () => {
    const { conversationId } = await conversationWithHuman();
    const text = `cut off ${randomUUID()}`;
    bb.setMode({ confirmDelayMs: 1_500 });
    const sending = w.raw("POST", `/conversations/${conversationId}/messages`, {
      body: { parts: [{ text }] },
      headers: { "idempotency-key": `key-${randomUUID()}` },
    });
    for (let i = 0; i < 100 && !bb.messages().some((m) => m.text === text); i++) await sleep(20);
    await bb.restart();
    const sent = await sending;
    expect(sent.response.status).toBe(504);
    expect(sent.error.code).toBe("upstream_outcome_unknown");
  });

  it("finding 6: a tapback that cannot be applied for a transient reason is read again, never passed by the cursor", async () => {
    const { messageId, bridgeGuid, remote } = await conversationWithHuman();
    const love = await bb.human.react({ target: bridgeGuid, type: "love", webhooks: "drop" });
    await bb.human.send({ from: remote, parts: [{ text: `later ${randomUUID()}` }], webhooks: "drop" });
    // Another instance holds the human's slot (its lease wait outlasts this run).
    await w.t.prisma.slotLease.create({
      data: {
        messageId,
        partIndex: 0,
        sender: remote,
        lane: "tapback",
        workspaceId: w.scope.workspaceId,
        token: randomUUID(),
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    const wait = LEASE_DEFAULTS.waitMs;
    LEASE_DEFAULTS.waitMs = 300;
    try {
      await reconcile();
    } finally {
      LEASE_DEFAULTS.waitMs = wait;
      await w.t.prisma.slotLease.deleteMany({ where: { messageId } });
    }
    expect(await reactionsOf(messageId)).toEqual([]);
    const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
    expect(Number(bridge.cursorMs)).toBeLessThanOrEqual(love.dateCreated as number);
    expect(await w.t.prisma.bridgeGuid.count({ where: { guid: love.guid } })).toBe(0);
    // The next run reads it again. A run the failure scheduled by itself (reconcileSoon) may hold
    // the bridge when this one asks, so ask until a run has applied it.
    await expect
      .poll(
        async () => {
          await reconcile();
          return reactionsOf(messageId);
        },
        { timeout: 15_000 },
      )
      .toEqual([expect.objectContaining({ reaction: "love" })]);
  });

  it("finding 8: shutdown waits for a send still waiting on the bridge, and it is recorded", async () => {
    const { conversationId } = await conversationWithHuman();
    const text = `at shutdown ${randomUUID()}`;
    bb.setMode({ latencyMs: 1_000 });
    const sending = w.raw("POST", `/conversations/${conversationId}/messages`, { body: { parts: [{ text }] } });
    for (
      let i = 0;
      i < 100 && !bb.calls.some((c) => (c.body as { message?: string } | undefined)?.message === text);
      i++
    ) {
      await sleep(10);
    }
    // What bootstrap's shutdown does before it closes the database.
    expect(await drainSends(10_000)).toBe(0);
    expect(await w.t.prisma.messagePart.count({ where: { text, message: { conversationId } } })).toBe(1);
    expect((await sending).response.status).toBe(201);
  });
});
