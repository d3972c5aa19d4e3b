import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { updateAgent } from "@/lib/agents/service";
import { createApiRouter } from "@/lib/api/router";
import { OPERATOR_CACHE_MS } from "@/lib/auth/operator-cache";
import { instanceSecret } from "@/lib/auth/secrets";
import { endSessions } from "@/lib/auth/session";
import { KEPT_ETAG_MS } from "@/lib/conversations/etag-cache";
import { heartbeat } from "@/lib/conversations/presence";
import { handBack, takeOver } from "@/lib/conversations/takeover";
import { touchConversation } from "@/lib/conversations/version";
import { CHANNEL } from "@/lib/live/hub";
import { addOperator, changeOwnPassword, removeOperator } from "@/lib/operators/service";
import { setUpstreamMode } from "@/lib/sandbox";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type HttpApp, serveRouter } from "./helpers/http-app";

/**
 * The thread poll answers 304 without reading the database when it can prove its answer
 * current (lib/conversations/etag-cache.ts, lib/auth/operator-cache.ts): on the embedded
 * database, where every change's notice reaches this process before the change's own promise
 * resolves. Whatever is kept, a poll that follows a change sees it, a present operator's expiry
 * moves the ETag, and an ended session ends the poll's at once — on both databases.
 */
describe.each(BACKENDS)("the thread poll's kept answers on %s", (backend) => {
  let w: ApiWorld;
  let app: HttpApp;
  let base: string;
  let password: string;
  let owner: { id: string; email: string; sessionEpoch: number };

  beforeAll(async () => {
    w = await apiWorld(backend);
    password = await instanceSecret(w.t.prisma, "session");
    owner = await w.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: w.scope.workspaceId } });
    app = await serveRouter(createApiRouter());
    base = app.url;
  });
  afterAll(async () => {
    await app?.close();
    await w?.dispose();
  });

  const cookieOf = async (operatorId: string, epoch: number) =>
    `tapdesk_session=${await sealData({ operatorId, epoch }, { password })}`;

  async function poll(cookie: string, conversationId: string, etag?: string) {
    const res = await fetch(`${base}/api/ui/conversations/${conversationId}`, {
      headers: { cookie, ...(etag ? { "if-none-match": etag } : {}) },
    });
    await res.arrayBuffer();
    return { status: res.status, etag: res.headers.get("etag") ?? "" };
  }

  /** The thread's ETag, answered 304 twice (the second from what was kept, where anything is). */
  async function settled(cookie: string, conversationId: string): Promise<string> {
    const { status, etag } = await poll(cookie, conversationId);
    expect(status).toBe(200);
    expect((await poll(cookie, conversationId, etag)).status).toBe(304);
    expect((await poll(cookie, conversationId, etag)).status).toBe(304);
    return etag;
  }

  const sql = (text: string, params: unknown[] = []) => w.t.sql.query(text, params);

  it("sees every kind of change with the very next poll: never a stale 304", async () => {
    const cookie = await cookieOf(owner.id, owner.sessionEpoch);
    const { conversationId } = await w.newConversation();
    const inbound = () =>
      w.api.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: [{ text: "hello" }] },
      });
    const human = (await inbound()).data!.id;
    const changes: [string, () => Promise<unknown>][] = [
      ["a human's message", inbound],
      ["a tapback", () => w.api.POST("/reactions", { body: { message_id: human, reaction: "love" } })],
      ["a replaced tapback", () => w.api.POST("/reactions", { body: { message_id: human, reaction: "like" } })],
      [
        "an operator opens the thread",
        () => heartbeat(w.t.prisma, w.scope, owner.id, conversationId, { typing: false, leaving: false }),
      ],
      [
        "the operator writes",
        () => heartbeat(w.t.prisma, w.scope, owner.id, conversationId, { typing: true, leaving: false }),
      ],
      [
        "the operator leaves",
        () => heartbeat(w.t.prisma, w.scope, owner.id, conversationId, { typing: false, leaving: true }),
      ],
      ["the upstream mode", () => setUpstreamMode(w.t.prisma, w.scope, { mode: "hold" })],
      ["the upstream mode back", () => setUpstreamMode(w.t.prisma, w.scope, { mode: "ok" })],
      ["the agent's settings", () => updateAgent(w.t.prisma, w.scope, w.ava.id, { name: "Ava (renamed)" })],
      ["a take-over", () => takeOver(w.t.prisma, w.scope, owner, conversationId)],
      ["a hand-back", () => handBack(w.t.prisma, w.scope, owner, conversationId)],
    ];
    for (const [what, change] of changes) {
      const etag = await settled(cookie, conversationId);
      await change();
      const after = await poll(cookie, conversationId, etag);
      expect({ what, status: after.status }).toEqual({ what, status: 200 });
      expect(after.etag).not.toBe(etag);
    }
    // Again and again, the change right after a 304 that came from what was kept.
    for (let round = 0; round < 20; round++) {
      const etag = await settled(cookie, conversationId);
      await w.api.POST("/reactions", { body: { message_id: human, reaction: round % 2 ? "like" : "love" } });
      expect((await poll(cookie, conversationId, etag)).status).toBe(200);
    }
    await updateAgent(w.t.prisma, w.scope, w.ava.id, { name: "Ava" });
  });

  it(
    backend === "pglite"
      ? "answers from the kept ETag: a change no notice announced is not read, within a few seconds"
      : "reads the ETag on every poll: a change whose notice has not arrived yet is seen all the same",
    async () => {
      const cookie = await cookieOf(owner.id, owner.sessionEpoch);
      const { conversationId } = await w.newConversation();
      const etag = await settled(cookie, conversationId);
      // Behind the app's back: no notice.
      await sql("UPDATE conversation SET version = version + 1 WHERE id = $1::uuid", [conversationId]);
      expect((await poll(cookie, conversationId, etag)).status).toBe(backend === "pglite" ? 304 : 200);
      expect(KEPT_ETAG_MS).toBeLessThanOrEqual(5_000);
    },
  );

  it("a present operator's expiry moves the ETag, though nobody announces it", async () => {
    const cookie = await cookieOf(owner.id, owner.sessionEpoch);
    const { conversationId } = await w.newConversation();
    await heartbeat(w.t.prisma, w.scope, owner.id, conversationId, { typing: false, leaving: false });
    // The operator's time is nearly up; the notice only makes this instance read the ETag again.
    await sql(
      "UPDATE thread_presence SET expires_at = now() + interval '600 milliseconds' WHERE conversation_id = $1::uuid",
      [conversationId],
    );
    await sql(`SELECT pg_notify('${CHANNEL}', $1)`, [`p ${w.scope.workspaceId} ${conversationId}`]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const etag = await settled(cookie, conversationId);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const after = await poll(cookie, conversationId, etag);
    expect(after.status).toBe(200);
    expect(after.etag).not.toBe(etag);
  });

  it("signing out, a removal and a new password end the poll's session at once", async () => {
    const { conversationId } = await w.newConversation();
    const added = await addOperator(w.t.prisma, w.scope, { email: `poller-${backend}@test.tapdesk`, role: "member" });
    const member = await w.t.prisma.operator.findUniqueOrThrow({ where: { id: added.id } });
    let cookie = await cookieOf(member.id, member.sessionEpoch);
    await settled(cookie, conversationId);
    await endSessions(w.t.prisma, member.id, member.sessionEpoch);
    expect((await poll(cookie, conversationId)).status).toBe(401);

    cookie = await cookieOf(member.id, member.sessionEpoch + 1);
    await settled(cookie, conversationId);
    const epoch = await changeOwnPassword(w.t.prisma, member.id, { current: added.password, next: "a new password 1" });
    expect((await poll(cookie, conversationId)).status).toBe(401);

    cookie = await cookieOf(member.id, epoch);
    await settled(cookie, conversationId);
    await removeOperator(w.t.prisma, w.scope, member.id);
    expect((await poll(cookie, conversationId)).status).toBe(401);
  });

  it(
    backend === "pglite"
      ? "keeps the operator's row: a change no notice announced is not read, within a few seconds"
      : "reads the operator's row on every poll",
    async () => {
      const { conversationId } = await w.newConversation();
      const added = await addOperator(w.t.prisma, w.scope, { email: `kept-${backend}@test.tapdesk`, role: "member" });
      const cookie = await cookieOf(added.id, 0);
      await settled(cookie, conversationId);
      await sql("UPDATE operator SET session_epoch = session_epoch + 1 WHERE id = $1::uuid", [added.id]);
      expect((await poll(cookie, conversationId)).status).toBe(backend === "pglite" ? 200 : 401);
      expect(OPERATOR_CACHE_MS).toBeLessThanOrEqual(5_000);
    },
  );

  // Only where it applies: registered on pglite alone, so no run reports it skipped.
  if (backend === "pglite")
    it("PGlite delivers a change's notice to the hub before the change's own promise resolves", async () => {
      const hub = await w.t.live();
      const seen: (string | null)[] = [];
      const stop = hub.keepFresh((payload) => seen.push(payload));
      try {
        const { conversationId } = await w.newConversation();
        // In a transaction: delivered with its COMMIT.
        await w.t.prisma.$transaction((tx) => touchConversation(tx, conversationId, new Date()));
        expect(seen).toContain(`c ${w.scope.workspaceId} ${conversationId}`);
        // A statement of its own.
        await heartbeat(w.t.prisma, w.scope, owner.id, conversationId, { typing: false, leaving: false });
        expect(seen).toContain(`p ${w.scope.workspaceId} ${conversationId}`);
        // An operator's row (sign-out).
        const added = await addOperator(w.t.prisma, w.scope, { email: "noticed@test.tapdesk", role: "member" });
        await endSessions(w.t.prisma, added.id, 0);
        expect(seen).toContain(`o ${w.scope.workspaceId} ${added.id}`);
      } finally {
        stop();
      }
    });
});
