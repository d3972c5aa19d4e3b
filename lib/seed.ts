import { randomUUID } from "node:crypto";
import type { Db } from "./db/client";
import type { Scope } from "./scope";
import type { StickerInfo } from "./tapbacks/kinds";
import { type ReactionRequest, react } from "./tapbacks/service";
import { createWorkspace } from "./workspaces/service";

/**
 * The demo workspace of a first start (docs/operations.md): an owner, two agents, conversations with
 * multi-part messages and reactions of every kind in both directions. Reactions go through
 * the tapback service, so their sequences and audit trail are real.
 */
export interface SeedResult {
  email: string;
  password: string;
  apiKey: string;
  workspaceId: string;
}

export interface SeedOptions {
  email?: string;
  password?: string;
  apiKey?: string;
}

const sticker = (name: string, size: number): StickerInfo => ({
  file_name: `${name}.svg`,
  mime_type: "image/svg+xml",
  url: `/stickers/${name}.svg`,
  width: size,
  height: size,
});

type Part = { text: string } | { attachment: { url: string; mime_type: string; file_name: string } };
type Line = { from: "agent" | "human"; parts: Part[]; minutesAgo: number; status?: "delivered" | "failed" };
type Reaction = { on: number; part?: number; by: "agent" | "human"; request: ReactionRequest };

interface DemoConversation {
  agent: 0 | 1;
  remote: string;
  disconnected?: boolean;
  lines: Line[];
  reactions: Reaction[];
}

const add = (kind: ReactionRequest & { operation: "add" }) => kind;

const DEMO: DemoConversation[] = [
  {
    agent: 0,
    remote: "+14155550123",
    lines: [
      { from: "human", parts: [{ text: "Hi! Is my order shipping today?" }], minutesAgo: 95 },
      {
        from: "agent",
        parts: [{ text: "Good news: it shipped this morning." }, { text: "Tracking number: 1Z 999 AA1 01 2345 6784" }],
        minutesAgo: 93,
      },
      { from: "human", parts: [{ text: "Amazing, thank you!!" }], minutesAgo: 90 },
      { from: "agent", parts: [{ text: "Anything else I can help with?" }], minutesAgo: 88 },
      { from: "human", parts: [{ text: "Could it arrive before Friday? It's a birthday present" }], minutesAgo: 12 },
    ],
    reactions: [
      { on: 1, part: 0, by: "human", request: add({ operation: "add", kind: "love" }) },
      { on: 1, part: 1, by: "human", request: add({ operation: "add", kind: "custom", customEmoji: "🎉" }) },
      { on: 2, by: "agent", request: add({ operation: "add", kind: "like" }) },
      { on: 2, by: "agent", request: add({ operation: "add", kind: "love" }) },
      { on: 3, by: "human", request: add({ operation: "add", kind: "sticker", sticker: sticker("party-parrot", 96) }) },
      { on: 4, by: "agent", request: add({ operation: "add", kind: "custom", customEmoji: "🎂" }) },
    ],
  },
  {
    agent: 0,
    remote: "+14155550177",
    lines: [
      {
        from: "human",
        parts: [
          { text: "The lamp arrived like this" },
          { attachment: { url: "/demo/lamp.svg", mime_type: "image/svg+xml", file_name: "lamp.svg" } },
        ],
        minutesAgo: 240,
      },
      { from: "agent", parts: [{ text: "Oh no, I'm sorry! I've started a replacement for you." }], minutesAgo: 238 },
      { from: "human", parts: [{ text: "Seriously? That fast?" }], minutesAgo: 236 },
      { from: "agent", parts: [{ text: "It ships tomorrow. No need to send the broken one back." }], minutesAgo: 235 },
    ],
    reactions: [
      { on: 0, part: 1, by: "agent", request: add({ operation: "add", kind: "emphasize" }) },
      { on: 1, by: "human", request: add({ operation: "add", kind: "question" }) },
      { on: 2, by: "agent", request: add({ operation: "add", kind: "laugh" }) },
      { on: 3, by: "human", request: add({ operation: "add", kind: "laugh" }) },
      { on: 3, by: "human", request: add({ operation: "add", kind: "love" }) },
      { on: 3, by: "human", request: add({ operation: "add", kind: "sticker", sticker: sticker("thumbs-star", 72) }) },
    ],
  },
  {
    agent: 1,
    remote: "+447700900123",
    lines: [
      { from: "agent", parts: [{ text: "Your subscription renews on the 1st." }], minutesAgo: 600 },
      {
        from: "human",
        parts: [{ text: "Can I switch to the yearly plan?" }, { text: "And keep my discount?" }],
        minutesAgo: 590,
      },
      { from: "agent", parts: [{ text: "Yes to both. Done!" }], minutesAgo: 585 },
    ],
    reactions: [
      { on: 0, by: "human", request: add({ operation: "add", kind: "dislike" }) },
      { on: 1, part: 1, by: "agent", request: add({ operation: "add", kind: "question" }) },
      { on: 2, by: "human", request: add({ operation: "add", kind: "custom", customEmoji: "👍🏽" }) },
      { on: 2, by: "human", request: add({ operation: "add", kind: "sticker", sticker: sticker("heart-eyes", 120) }) },
    ],
  },
  {
    agent: 1,
    remote: "+14155550999",
    disconnected: true,
    lines: [
      { from: "human", parts: [{ text: "Please stop texting me." }], minutesAgo: 2000 },
      { from: "agent", parts: [{ text: "Understood. You won't hear from us again." }], minutesAgo: 1999 },
      { from: "agent", parts: [{ text: "(This one never went out.)" }], minutesAgo: 1998, status: "failed" },
    ],
    reactions: [{ on: 1, by: "human", request: add({ operation: "add", kind: "like" }) }],
  },
];

/** Seeds the demo workspace when the database has none; returns what to print, or null. */
export async function seedIfEmpty(db: Db, options: SeedOptions = {}): Promise<SeedResult | null> {
  if ((await db.workspace.count()) > 0) return null;
  // Instances starting together on an empty PostgreSQL database all see no workspace; the
  // one whose claim row goes in seeds, the others serve what it seeds.
  const claim = await db.instanceSecret.createMany({
    data: [{ name: "demo_seed", value: new Date().toISOString() }],
    skipDuplicates: true,
  });
  if (claim.count === 0) return null;
  const created = await createWorkspace(db, {
    name: "Tapdesk demo",
    owner: (options.email ?? "admin@tapdesk.local").toLowerCase(),
    password: options.password,
    apiKey: options.apiKey,
  });
  const workspaceId = created.workspace.id;
  const scope: Scope = { workspaceId };
  // Ava is the older one, by a millisecond: the sandbox opens conversations for the workspace's
  // oldest agent when none is named, and equal timestamps would leave that to chance.
  const seededAt = Date.now();
  const agents = [
    {
      id: randomUUID(),
      workspaceId,
      name: "Ava",
      handle: "+14155550100",
      customEmojiSends: true,
      createdAt: new Date(seededAt - 1),
    },
    {
      id: randomUUID(),
      workspaceId,
      name: "Rex",
      handle: "rex@agents.example.com",
      customEmojiSends: false,
      createdAt: new Date(seededAt),
    },
  ];
  await db.agent.createMany({ data: agents });
  const keyId = (await db.apiKey.findFirstOrThrow({ where: { workspaceId }, select: { id: true } })).id;

  const now = Date.now();
  for (const demo of DEMO) {
    const agent = agents[demo.agent]!;
    const assignmentId = randomUUID();
    const conversationId = randomUUID();
    const lastAt = new Date(now - Math.min(...demo.lines.map((l) => l.minutesAgo)) * 60_000);
    const lastInbound = demo.lines.filter((l) => l.from === "human").map((l) => l.minutesAgo);
    await db.assignment.create({
      data: { id: assignmentId, workspaceId, agentId: agent.id, remoteNumber: demo.remote },
    });
    await db.conversation.create({
      data: {
        id: conversationId,
        workspaceId,
        assignmentId,
        agentId: agent.id,
        remoteNumber: demo.remote,
        createdAt: new Date(now - Math.max(...demo.lines.map((l) => l.minutesAgo)) * 60_000),
        lastActivityAt: lastAt,
        lastInboundAt: lastInbound.length ? new Date(now - Math.min(...lastInbound) * 60_000) : null,
      },
    });
    const messageIds: string[] = [];
    for (const line of demo.lines) {
      const id = randomUUID();
      messageIds.push(id);
      await db.message.create({
        data: {
          id,
          workspaceId,
          conversationId,
          direction: line.from === "agent" ? "outbound" : "inbound",
          sender: line.from === "agent" ? agent.handle : demo.remote,
          status: line.from === "agent" ? (line.status ?? "delivered") : "received",
          createdAt: new Date(now - line.minutesAgo * 60_000),
          parts: {
            create: line.parts.map((p, index) =>
              "text" in p
                ? { id: randomUUID(), workspaceId, index, type: "text" as const, text: p.text }
                : {
                    id: randomUUID(),
                    workspaceId,
                    index,
                    type: "attachment" as const,
                    attachmentUrl: p.attachment.url,
                    attachmentMimeType: p.attachment.mime_type,
                    attachmentFileName: p.attachment.file_name,
                  },
            ),
          },
        },
      });
    }
    for (const r of demo.reactions) {
      await react(db, {
        scope,
        actor: r.by === "agent" ? { type: "api_key", id: keyId } : { type: "human", id: "seed" },
        side: r.by,
        messageId: messageIds[r.on]!,
        partIndex: r.part ?? 0,
        request: r.request,
      });
    }
    if (demo.disconnected) {
      await db.assignment.update({ where: { id: assignmentId }, data: { status: "disconnected" } });
    }
    // Reactions just now bumped the activity time; the demo keeps its story's order.
    await db.conversation.update({ where: { id: conversationId }, data: { lastActivityAt: lastAt } });
  }
  return { email: created.owner.email, password: created.owner.password, apiKey: created.api_key, workspaceId };
}
