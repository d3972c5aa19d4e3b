import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as threadPoll } from "@/app/api/ui/conversations/[id]/route";
import { GET as notificationsPoll } from "@/app/api/ui/notifications/route";
import type { SignedInOperator } from "@/lib/auth/session";
import { heartbeat } from "@/lib/conversations/presence";
import { handBack, takeOver } from "@/lib/conversations/takeover";
import { type Database, openDatabase } from "@/lib/db/client";
import { receiveMessage } from "@/lib/messages/service";
import { humanReact } from "@/lib/sandbox";
import { type ApiWorld, apiWorld } from "./helpers/api";
import { BACKENDS } from "./helpers/db";

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

function pollThread(id: string, etag?: string | null, wait?: number) {
  const query = wait === undefined ? "" : `?wait=${wait}`;
  const request = new Request(`http://tapdesk.test/api/ui/conversations/${id}${query}`, {
    headers: etag ? { "if-none-match": etag } : {},
  });
  return threadPoll(request, { params: Promise.resolve({ id }) }).then(read);
}

function pollNotifications(after?: string, wait = 0) {
  const query = after ? `?after=${encodeURIComponent(after)}&wait=${wait}` : "";
  return notificationsPoll(new Request(`http://tapdesk.test/api/ui/notifications${query}`)).then(read);
}

type Operator = { id: string; email: string };
const presenceOf = (poll: Poll) =>
  poll.body.presence.map((p: { email: string; typing: boolean }) => [p.email, p.typing]);

describe.each(BACKENDS)("presence and notifications on %s", (backend) => {
  let w: ApiWorld;
  let owner: SignedInOperator;
  let member: Operator;

  beforeAll(async () => {
    w = await apiWorld(backend);
    const op = await w.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: w.scope.workspaceId } });
    owner = { id: op.id, email: op.email, name: op.name, role: op.role, scope: w.scope, notifyTakenOver: true };
    session.operator = owner;
    const created = await w.t.prisma.operator.create({
      data: {
        workspaceId: w.scope.workspaceId,
        email: `member-${backend}@presence.test`,
        name: "Member",
        passwordHash: "unused",
        role: "member",
      },
    });
    member = { id: created.id, email: created.email };
  });
  afterAll(async () => {
    session.operator = null;
    await w?.dispose();
  });

  async function openThread() {
    const c = await w.newConversation();
    await receiveMessage(w.t.prisma, w.scope, c.conversationId, [{ text: "Hello?" }]);
    const first = await pollThread(c.conversationId);
    return { ...c, etag: first.etag as string };
  }
  const beat = (who: Operator, conversationId: string, typing = false, leaving = false) =>
    heartbeat(w.t.prisma, w.scope, who.id, conversationId, { typing, leaving });

  it("wakes the owner's waiting poll when the member opens, writes in and leaves the thread", async () => {
    const t = await openThread();
    const opened = pollThread(t.conversationId, t.etag, 25);
    await new Promise((r) => setTimeout(r, 100));
    expect(await beat(member, t.conversationId)).toBe(true);
    const seen = await opened;
    expect(seen.status).toBe(200);
    expect(presenceOf(seen)).toEqual([[member.email, false]]);
    // The ETag the view carries is the one a plain poll computes: no endless 200s.
    expect((await pollThread(t.conversationId, seen.etag)).status).toBe(304);
    // A heartbeat that changes nothing announces nothing.
    expect(await beat(member, t.conversationId)).toBe(false);
    expect((await pollThread(t.conversationId, seen.etag)).status).toBe(304);

    const writing = pollThread(t.conversationId, seen.etag, 25);
    await new Promise((r) => setTimeout(r, 100));
    await beat(member, t.conversationId, true);
    const typed = await writing;
    expect(presenceOf(typed)).toEqual([[member.email, true]]);

    const leaving = pollThread(t.conversationId, typed.etag, 25);
    await new Promise((r) => setTimeout(r, 100));
    await beat(member, t.conversationId, false, true);
    const gone = await leaving;
    expect(gone.status).toBe(200);
    expect(presenceOf(gone)).toEqual([]);
    // Presence is not the conversation's data: its version and activity did not move.
    const row = await w.t.prisma.conversation.findUniqueOrThrow({ where: { id: t.conversationId } });
    expect(row.version).toBe(2);
  });

  it("a member who left without a word is swept by the next heartbeat of anyone on the thread", async () => {
    const t = await openThread();
    await beat(member, t.conversationId);
    await beat(owner, t.conversationId);
    const both = await pollThread(t.conversationId);
    expect(
      presenceOf(both)
        .map((p: [string]) => p[0])
        .sort(),
    ).toEqual([member.email, owner.email].sort());
    // The member's tab is closed: their time runs out.
    await w.t.prisma.threadPresence.update({
      where: { conversationId_operatorId: { conversationId: t.conversationId, operatorId: member.id } },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const waiting = pollThread(t.conversationId, both.etag, 25);
    await new Promise((r) => setTimeout(r, 100));
    expect(await beat(owner, t.conversationId)).toBe(true);
    const after = await waiting;
    expect(after.status).toBe(200);
    expect(presenceOf(after)).toEqual([[owner.email, false]]);
  });

  it("notifies the operator of the human's messages and tapbacks in the conversations they took over only", async () => {
    const mine = await openThread();
    const other = await openThread();
    await takeOver(w.t.prisma, w.scope, owner, mine.conversationId);
    const start = await pollNotifications();
    const cursor = start.body.cursor as string;
    const waiting = pollNotifications(cursor, 25);
    await new Promise((r) => setTimeout(r, 100));
    await receiveMessage(w.t.prisma, w.scope, other.conversationId, [{ text: "not yours" }]);
    const message = await receiveMessage(w.t.prisma, w.scope, mine.conversationId, [{ text: "Still there?" }]);
    const first = await waiting;
    expect(first.body.items).toEqual([
      expect.objectContaining({ kind: "message", conversationId: mine.conversationId, body: "Still there?" }),
    ]);
    await humanReact(w.t.prisma, w.scope, message.id, { operation: "add", type: "laugh" });
    const second = await pollNotifications(first.body.cursor);
    expect(second.body.items).toEqual([expect.objectContaining({ kind: "reaction", body: "Reacted with Laugh" })]);
    // Handed back: no longer the operator's to hear about.
    await handBack(w.t.prisma, w.scope, owner, mine.conversationId);
    await receiveMessage(w.t.prisma, w.scope, mine.conversationId, [{ text: "hello?" }]);
    expect((await pollNotifications(second.body.cursor)).body.items).toEqual([]);
  });
});

describe("presence across two instances on one PostgreSQL database", () => {
  let world: ApiWorld;
  let second: Database;

  beforeAll(async () => {
    world = await apiWorld("postgres");
    second = await openDatabase({ url: world.t.pool!.options.connectionString as string });
  });
  afterAll(async () => {
    await second?.close();
    await world?.dispose();
  });

  it("a heartbeat through one instance wakes the thread's polls waiting on the other", async () => {
    const c = await world.newConversation();
    const op = await world.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: world.scope.workspaceId } });
    const otherHub = await second.live();
    const woken = new Promise<void>((resolve) => {
      const off = otherHub.subscribe([`c:${c.conversationId}`], () => {
        off();
        resolve();
      });
    });
    await heartbeat(world.t.prisma, world.scope, op.id, c.conversationId, { typing: false, leaving: false });
    await woken;
  });
});
