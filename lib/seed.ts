import { randomUUID } from "node:crypto";
import type { Db } from "./db/client";
import type { Scope } from "./scope";
import demoConversations from "./seed-demo.json";
import { CLASSIC, type StickerInfo } from "./tapbacks/kinds";
import { type ReactionRequest, react } from "./tapbacks/service";
import { createWorkspace } from "./workspaces/service";
import * as z from "./zod";

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

/** A demo sticker: one of the SVGs in public/stickers, drawn `size` points square. */
const sticker = (name: string, size: number): StickerInfo => ({
  file_name: `${name}.svg`,
  mime_type: "image/svg+xml",
  url: `/stickers/${name}.svg`,
  width: size,
  height: size,
});

const side = z.enum(["agent", "human"]);

/**
 * The demo's conversations (seed-demo.json): each line is a message `minutesAgo`; each
 * reaction is placed `by` one side on line `on` (part `part`, else 0): a classic `tapback`, a
 * custom `emoji`, or a `sticker` of `size` points.
 */
const demoSchema = z.array(
  z.object({
    agent: z.union([z.literal(0), z.literal(1)]),
    remote: z.string(),
    disconnected: z.boolean().optional(),
    lines: z.array(
      z.object({
        from: side,
        parts: z.array(
          z.union([
            z.object({ text: z.string() }),
            z.object({ attachment: z.object({ url: z.string(), mime_type: z.string(), file_name: z.string() }) }),
          ]),
        ),
        minutesAgo: z.number(),
        status: z.enum(["delivered", "failed"]).optional(),
      }),
    ),
    reactions: z.array(
      z.union([
        z.object({ on: z.number(), part: z.number().optional(), by: side, tapback: z.enum(CLASSIC) }),
        z.object({ on: z.number(), part: z.number().optional(), by: side, emoji: z.string() }),
        z.object({ on: z.number(), part: z.number().optional(), by: side, sticker: z.string(), size: z.number() }),
      ]),
    ),
  }),
);

type DemoReaction = z.infer<typeof demoSchema>[number]["reactions"][number];

function demoRequest(r: DemoReaction): ReactionRequest {
  if ("emoji" in r) return { operation: "add", kind: "custom", customEmoji: r.emoji };
  if ("sticker" in r) return { operation: "add", kind: "sticker", sticker: sticker(r.sticker, r.size) };
  return { operation: "add", kind: r.tapback };
}

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
  for (const demo of demoSchema.parse(demoConversations)) {
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
        request: demoRequest(r),
      });
    }
    // The story's tapbacks came just after the message they are on, not at seed time (the
    // inbox previews the latest activity, and its time).
    for (const [i, line] of demo.lines.entries()) {
      const at = new Date(now - line.minutesAgo * 60_000 + 30_000);
      await db.reaction.updateMany({ where: { messageId: messageIds[i]! }, data: { createdAt: at, updatedAt: at } });
    }
    if (demo.disconnected) {
      await db.assignment.update({
        where: { id: assignmentId },
        data: { status: "disconnected", disconnectedAt: lastAt },
      });
    }
    // Reactions just now bumped the activity time; the demo keeps its story's order.
    await db.conversation.update({ where: { id: conversationId }, data: { lastActivityAt: lastAt } });
  }
  return { email: created.owner.email, password: created.owner.password, apiKey: created.api_key, workspaceId };
}
