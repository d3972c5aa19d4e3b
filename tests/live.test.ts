import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { GET as threadPoll } from "@/app/api/ui/conversations/[id]/route";
import { GET as inboxPoll } from "@/app/api/ui/inbox/route";
import type { SignedInOperator } from "@/lib/auth/session";
import { touchConversation } from "@/lib/conversations/version";
import { type Database, openDatabase, useDatabase } from "@/lib/db/client";
import { HEALTH_REUSE_MS } from "@/lib/health";
import { endAllWaits } from "@/lib/live/hub";
import { receiveMessage } from "@/lib/messages/service";
import { humanReact } from "@/lib/sandbox";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS, freshDatabase } from "./helpers/db";

// The dashboard's polls read the operator from the session cookie, which only exists inside a
// Next.js request; here the signed-in operator is set directly.
const session = vi.hoisted(() => ({ operator: null as SignedInOperator | null }));
vi.mock("@/lib/auth/session", () => ({ currentOperator: async () => session.operator }));

interface Poll {
  status: number;
  etag: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: the view as the page receives it.
  body: any;
}

async function read(response: Response): Promise<Poll> {
  const text = await response.text();
  return { status: response.status, etag: response.headers.get("etag"), body: text ? JSON.parse(text) : null };
}

function pollThread(id: string, etag?: string | null, wait?: number, signal?: AbortSignal) {
  const query = wait === undefined ? "" : `?wait=${wait}`;
  const request = new Request(`http://tapdesk.test/api/ui/conversations/${id}${query}`, {
    headers: etag ? { "if-none-match": etag } : {},
    signal,
  });
  return threadPoll(request, { params: Promise.resolve({ id }) }).then(read);
}

function pollInbox(etag?: string | null, wait?: number) {
  const query = wait === undefined ? "" : `?wait=${wait}`;
  const request = new Request(`http://tapdesk.test/api/ui/inbox${query}`, {
    headers: etag ? { "if-none-match": etag } : {},
  });
  return inboxPoll(request).then(read);
}

/** Tracks whether a promise has settled, to look at a poll while it is still waiting. */
function watch<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.finally(() => {
    state.settled = true;
  });
  return state;
}

/** Waits until `n` polls of this database are waiting for notices. */
async function waitingPolls(database: Database, n: number) {
  const hub = await database.live();
  await vi.waitFor(() => expect(hub.waiting).toBe(n), { timeout: 20_000, interval: 5 });
}

/** Resolves once the hub has delivered a notice about this conversation (so earlier ones are through too). */
async function noticeFor(database: Database, conversationId: string) {
  const hub = await database.live();
  return new Promise<void>((resolve) => {
    const off = hub.subscribe([`c:${conversationId}`], () => {
      off();
      resolve();
    });
  });
}

describe.each(BACKENDS)("live updates on %s", (backend) => {
  let world: ApiWorld;

  beforeAll(async () => {
    world = await apiWorld(backend);
    const op = await world.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: world.scope.workspaceId } });
    session.operator = {
      id: op.id,
      email: op.email,
      name: op.name,
      role: op.role,
      scope: world.scope,
      notifyTakenOver: false,
    };
  });
  afterAll(async () => {
    session.operator = null;
    await world?.dispose();
  });

  /** A conversation with one inbound message, and the thread's current ETag. */
  async function thread() {
    const c = await world.newConversation();
    const message = await receiveMessage(world.t.prisma, world.scope, c.conversationId, [{ text: "Hello?" }]);
    const first = await pollThread(c.conversationId);
    return { ...c, messageId: message.id, etag: first.etag as string };
  }

  it("a plain conditional poll (no wait) still answers at once: 304 for the current ETag, 200 otherwise", async () => {
    const t = await thread();
    const same = await pollThread(t.conversationId, t.etag);
    expect(same.status).toBe(304);
    expect(same.etag).toBe(t.etag);
    const stale = await pollThread(t.conversationId, '"t0-ok"');
    expect(stale.status).toBe(200);
    expect(stale.body.messages.map((m: { id: string }) => m.id)).toEqual([t.messageId]);
    // A wait without an ETag has nothing to compare with: the view, at once.
    expect((await pollThread(t.conversationId, null, 25)).status).toBe(200);
  });

  it("a waiting poll answers with the change itself, not at the end of its wait", async () => {
    const t = await thread();
    const poll = watch(pollThread(t.conversationId, t.etag, 25));
    await waitingPolls(world.t, 1);
    expect(poll.settled).toBe(false);

    await humanReact(world.t.prisma, world.scope, t.messageId, { operation: "add", type: "love" });
    const answer = await poll.promise;
    expect(answer.status).toBe(200);
    expect(answer.etag).not.toBe(t.etag);
    const reactions = answer.body.messages[0].parts[0].reactions;
    expect(reactions.map((r: { kind: string; by: string }) => [r.kind, r.by])).toEqual([["love", t.remote]]);
  });

  it("a waiting poll ignores changes in other conversations and ends its wait with 304", async () => {
    const mine = await thread();
    const other = await thread();
    const poll = watch(pollThread(mine.conversationId, mine.etag, 2));
    await waitingPolls(world.t, 1);

    const delivered = noticeFor(world.t, other.conversationId);
    await humanReact(world.t.prisma, world.scope, other.messageId, { operation: "add", type: "like" });
    await delivered;
    expect(poll.settled).toBe(false);

    const answer = await poll.promise;
    expect(answer.status).toBe(304);
    expect(answer.etag).toBe(mine.etag);
  });

  it("a change that rolls back wakes nobody", async () => {
    const mine = await thread();
    const other = await thread();
    const hub = await world.t.live();
    let woken = 0;
    const off = hub.subscribe([`c:${mine.conversationId}`], () => {
      woken += 1;
    });
    const poll = watch(pollThread(mine.conversationId, mine.etag, 2));
    await waitingPolls(world.t, 2);

    await expect(
      world.t.prisma.$transaction(async (tx) => {
        await touchConversation(tx, mine.conversationId, new Date());
        throw new Error("the change fails after its version was bumped");
      }),
    ).rejects.toThrow("the change fails");
    // Notices arrive in commit order: once a later change's notice is in, a notice of the
    // rolled-back one would have been too.
    const delivered = noticeFor(world.t, other.conversationId);
    await humanReact(world.t.prisma, world.scope, other.messageId, { operation: "add", type: "like" });
    await delivered;
    off();
    expect(woken).toBe(0);
    expect(poll.settled).toBe(false);
    expect((await poll.promise).status).toBe(304);
  });

  it("the inbox's long-poll answers when a conversation of its workspace changes", async () => {
    const t = await thread();
    const first = await pollInbox();
    expect(first.status).toBe(200);
    expect((await pollInbox(first.etag)).status).toBe(304);

    const poll = watch(pollInbox(first.etag, 25));
    await waitingPolls(world.t, 1);
    await receiveMessage(world.t.prisma, world.scope, t.conversationId, [{ text: "Are you there?" }]);
    const answer = await poll.promise;
    expect(answer.status).toBe(200);
    const entry = answer.body.conversations.find((c: { id: string }) => c.id === t.conversationId);
    expect(entry).toMatchObject({ snippet: "Are you there?", unread: true });
  });

  it("a poll whose client went away stops waiting", async () => {
    const t = await thread();
    const controller = new AbortController();
    const poll = watch(pollThread(t.conversationId, t.etag, 25, controller.signal));
    await waitingPolls(world.t, 1);
    controller.abort();
    expect((await poll.promise).status).toBe(304);
    await waitingPolls(world.t, 0);
  });

  it("200 idle waiting polls hold no database connection, and the app keeps answering", async () => {
    const t = await thread();
    const busy = await thread();
    const polls = Array.from({ length: 200 }, () => pollThread(t.conversationId, t.etag, 25));
    await waitingPolls(world.t, 200);
    const pool = world.t.pool;
    if (pool) {
      // Once their first look is done, all 200 wait (25 s) with no connection checked out
      // (total − idle) and nobody queued for one.
      await vi.waitFor(() => expect([pool.totalCount - pool.idleCount, pool.waitingCount]).toEqual([0, 0]), {
        timeout: 10_000,
        interval: 10,
      });
    }
    // Other requests are served while they wait.
    expect((await pollThread(busy.conversationId, '"t0-ok"')).status).toBe(200);
    expect((await read(await health())).body).toEqual({ status: "ok", database: "ok" });

    await humanReact(world.t.prisma, world.scope, t.messageId, { operation: "add", type: "laugh" });
    const answers = await Promise.all(polls);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
  });

  it("rejects a wait longer than 25 s, naming the parameter", async () => {
    const t = await thread();
    const answer = await pollThread(t.conversationId, t.etag, 26);
    expect(answer.status).toBe(422);
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(["wait"]);
  });

  // Last in this block: it ends waiting for good in this process's hubs, as a drain does.
  it("a draining server answers its waiting polls at once, and new ones do not wait", async () => {
    const t = await thread();
    const poll = watch(pollThread(t.conversationId, t.etag, 25));
    await waitingPolls(world.t, 1);
    endAllWaits();
    // Well before its 25 s are over, it no longer waits and has answered.
    await waitingPolls(world.t, 0);
    expect((await poll.promise).status).toBe(304);
    const next = watch(pollThread(t.conversationId, t.etag, 25));
    await vi.waitFor(() => expect(next.settled).toBe(true), { timeout: 20_000 });
    expect((await next.promise).status).toBe(304);
  });
});

describe("live updates across two instances on one PostgreSQL database", () => {
  let world: ApiWorld;
  let second: Database;

  beforeAll(async () => {
    world = await apiWorld("postgres");
    second = await openDatabase({ url: world.t.url });
  });
  afterAll(async () => {
    await second?.close();
    await world?.dispose();
  });

  it("a change committed through one instance wakes the polls waiting on the other", async () => {
    const c = await world.newConversation();
    const otherHub = await second.live();
    const woken = new Promise<void>((resolve) => {
      const off = otherHub.subscribe([`c:${c.conversationId}`], () => {
        off();
        resolve();
      });
    });
    await receiveMessage(world.t.prisma, world.scope, c.conversationId, [{ text: "From the first instance" }]);
    await woken;
  });
});

describe("GET /api/health", () => {
  it("answers 200 ok while the database answers, 503 naming the database when it does not", async () => {
    const database = await openDatabase();
    useDatabase(database);
    const ok = await read(await health());
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: "ok", database: "ok" });

    await database.close();
    // A check answers for a second (lib/health.ts): the next one finds the database gone.
    await new Promise((resolve) => setTimeout(resolve, HEALTH_REUSE_MS));
    const down = await read(await health());
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: "error", database: "unavailable" });
  });

  it("one database check answers the requests of the next second; a database that hangs is down after 2 s", async () => {
    const real = await freshDatabase("pglite");
    let checks = 0;
    let hang = false;
    const query = real.sql.query;
    useDatabase({
      ...real,
      sql: {
        ...real.sql,
        query: (sql: string, params?: unknown[]) => {
          checks++;
          return hang ? new Promise(() => {}) : query(sql, params);
        },
      },
    } as Database);
    try {
      const answers = await Promise.all([health(), health(), health()].map(async (r) => read(await r)));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect((await read(await health())).status).toBe(200);
      expect(checks).toBe(1);

      hang = true;
      await new Promise((resolve) => setTimeout(resolve, HEALTH_REUSE_MS));
      const started = performance.now();
      const [first, second] = await Promise.all([health(), health()]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
      const down = await read(first);
      expect(down).toMatchObject({ status: 503, body: { status: "error", database: "unavailable" } });
      expect(await read(second)).toEqual(down);
      expect(checks).toBe(2);
    } finally {
      await real.close();
    }
  });
});
