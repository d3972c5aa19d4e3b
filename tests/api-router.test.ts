import { sealData } from "iron-session";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Operation } from "@/lib/api/operation";
import { createApiRouter } from "@/lib/api/router";
import { instanceSecret } from "@/lib/auth/secrets";
import { endSessions } from "@/lib/auth/session";
import { type Database, useDatabase } from "@/lib/db/client";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { FELL_THROUGH, type HttpApp, serveRouter } from "./helpers/http-app";

/**
 * lib/api/router.ts: scripts/start.mjs serves the agent API, /api/health and the thread poll
 * through the operations' own handlers, past Next.js. It must answer as the route files do
 * (the same handlers, the security headers proxy.ts adds), and leave to Next.js everything it
 * does not know exactly.
 */
describe("the API router in front of Next.js", () => {
  let w: ApiWorld;
  let app: HttpApp;
  let base: string;

  beforeAll(async () => {
    w = await apiWorld("pglite");
    app = await serveRouter(createApiRouter());
    base = app.url;
  });
  afterAll(async () => {
    await app?.close();
    await w?.dispose();
  });

  const auth = () => ({ authorization: `Bearer ${w.key}`, "content-type": "application/json" });

  async function humanMessage(): Promise<{ conversationId: string; messageId: string }> {
    const c = await w.newConversation();
    const sent = await w.api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: c.conversationId } },
      body: { parts: [{ text: "hello" }] },
    });
    return { conversationId: c.conversationId, messageId: sent.data!.id };
  }

  it("sends a tapback with the same answer as the route file, and the security headers", async () => {
    const { messageId } = await humanMessage();
    const res = await fetch(`${base}/api/v1/reactions`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ message_id: messageId, reaction: "love" }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    const body = await res.json();
    const read = await w.api.GET("/reactions/{id}", { params: { path: { id: body.id } } });
    expect(read.data).toEqual(body);
    // Replaced through the router: the route file's rules, same id, next sequence.
    const again = await fetch(`${base}/api/v1/reactions`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ message_id: messageId, reaction: "like" }),
    });
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ id: body.id, reaction: "like", sequence: body.sequence + 1 });
  });

  it("answers problems as the API does: no key, a bad body, a body over the limit, an Idempotency-Key replay", async () => {
    const none = await fetch(`${base}/api/v1/conversations`);
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    const bad = await fetch(`${base}/api/v1/reactions`, { method: "POST", headers: auth(), body: "{" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe("invalid_json");
    const big = await fetch(`${base}/api/v1/reactions`, {
      method: "POST",
      headers: auth(),
      body: JSON.stringify({ message_id: "x".repeat(70 * 1024), reaction: "love" }),
    });
    expect(big.status).toBe(413);
    const { messageId } = await humanMessage();
    const once = () =>
      fetch(`${base}/api/v1/reactions`, {
        method: "POST",
        headers: { ...auth(), "idempotency-key": "router-1" },
        body: JSON.stringify({ message_id: messageId, reaction: "laugh" }),
      });
    const first = await once();
    const second = await once();
    expect(second.status).toBe(first.status);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.json()).toEqual(await first.json());
  });

  it("answers /api/health from the handler, with the database checked", async () => {
    const res = await fetch(`${base}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok", database: "ok" });
  });

  it("answers /api/health 503 when the database fails, with the route file's headers", async () => {
    useDatabase({
      ...w.t,
      sql: { ...w.t.sql, query: () => Promise.reject(new Error("the database is gone")) },
    } as Database);
    try {
      const res = await fetch(`${base}/api/health`);
      expect(res.status).toBe(503);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.json()).toEqual({ status: "error", database: "unavailable" });
    } finally {
      useDatabase(w.t);
    }
  });

  it("answers the thread poll for a signed-in operator, 304 while the ETag holds", async () => {
    const { conversationId } = await humanMessage();
    const url = `${base}/api/ui/conversations/${conversationId}`;
    expect((await fetch(url)).status).toBe(401);
    const owner = await w.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: w.scope.workspaceId } });
    const password = await instanceSecret(w.t.prisma, "session");
    const seal = await sealData({ operatorId: owner.id, epoch: owner.sessionEpoch }, { password });
    const cookie = `other=1; tapdesk_session=${seal}`;
    const full = await fetch(url, { headers: { cookie } });
    expect(full.status).toBe(200);
    const etag = full.headers.get("etag") as string;
    expect((await full.json()).etag).toBe(etag);
    const same = await fetch(url, { headers: { cookie, "if-none-match": etag } });
    expect(same.status).toBe(304);
    expect(same.headers.get("x-content-type-options")).toBe("nosniff");
    // A session ended on the server (a newer epoch) is refused here too.
    await endSessions(w.t.prisma, owner.id, owner.sessionEpoch);
    expect((await fetch(url, { headers: { cookie, "if-none-match": etag } })).status).toBe(401);
  });

  it("leaves to Next.js what it does not know exactly", async () => {
    const cases: [string, string][] = [
      ["GET", "/api/v1/openapi.json"],
      ["GET", "/api/v1/no-such-thing"],
      ["PATCH", "/api/v1/reactions"],
      ["POST", "/api/v1/reactions/"],
      ["GET", "/api/v1/reactions/%ff"],
      ["POST", "/api/health"],
      ["GET", "/api/mcp"],
      ["GET", "/conversations"],
      ["GET", "/api/ui/conversations/a/presence"],
    ];
    for (const [method, path] of cases) {
      const res = await fetch(`${base}${path}`, { method, headers: auth() });
      expect(res.status, `${method} ${path}`).toBe(FELL_THROUGH);
    }
  });

  it("writes a streamed body as it is produced, and reads no further than the client takes (the feedback export)", async () => {
    // A handler whose body gives two chunks, then waits for the test before the third.
    let pulls = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const handler = async () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              pulls += 1;
              if (pulls === 3) await held;
              if (pulls <= 400) controller.enqueue(chunk);
              else controller.close();
            },
          },
          { highWaterMark: 1 },
        ),
        { headers: { "content-type": "application/x-ndjson" } },
      );
    const operation = { method: "get", path: "/streamed", handler } as unknown as Operation;
    const streaming = await serveRouter(createApiRouter([operation]));
    try {
      const base = streaming.url;
      // The first chunks arrive while the third is still held: nothing waits for the whole body.
      const res = await fetch(`${base}/api/v1/streamed`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-length")).toBeNull();
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.value!.byteLength).toBeGreaterThan(0);
      release();
      // A client that stops reading stops the pulls: the socket's buffers fill and the router waits for drain.
      await new Promise((r) => setTimeout(r, 300));
      expect(pulls).toBeLessThan(400);
      let bytes = first.value!.byteLength;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
      }
      expect(bytes).toBe(400 * chunk.byteLength);
    } finally {
      await streaming.close();
    }
  });
});
