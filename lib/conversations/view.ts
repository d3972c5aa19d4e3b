import { createHash } from "node:crypto";
import { publicUrl } from "../bridges/bluebubbles/bridge";
import { isContactBlocked } from "../contact-rules/service";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { Reaction } from "../generated/prisma/client";
import { conversationWhere, type Scope } from "../scope";
import { unsettledOfConversation } from "../sends/unsettled";
import type { StickerInfo } from "../tapbacks/kinds";
import { byAge } from "../tapbacks/serialize";
import * as z from "../zod";
import { PRESENCE_EXPIRES_IN_MS_SQL, PRESENCE_KEY_SQL, type PresenceEntry, presenceKey, presentIn } from "./presence";
import { latestActivity } from "./preview";
import { takenOverOf } from "./takeover";
import { touchInboxReads } from "./version";

/**
 * What the dashboard renders: the inbox and one thread, shaped for the browser. Both
 * come with an ETag that changes exactly when what they show changes, so an unchanged
 * poll costs one small query and a 304 (none on the embedded database, where a current ETag is
 * kept in memory: ./etag-cache.ts).
 */
export const THREAD_LIMIT = 200;

export interface ReactionView {
  id: string;
  partIndex: number;
  direction: "inbound" | "outbound";
  kind: string;
  customEmoji: string | null;
  sticker: StickerInfo | null;
  /** Who placed it: the agent's name, or the human's number. */
  by: string;
  createdAt: string;
  updatedAt: string;
  sequence: number;
}

export interface PartView {
  index: number;
  type: "text" | "attachment";
  text: string | null;
  attachment: { url: string; mimeType: string; fileName: string } | null;
  reactions: ReactionView[];
}

export interface MessageView {
  id: string;
  direction: "inbound" | "outbound";
  status: string;
  createdAt: string;
  parts: PartView[];
}

export interface ThreadView {
  id: string;
  etag: string;
  agent: { id: string; name: string; handle: string; customEmojiSends: boolean; imessageEnabled: boolean };
  remoteNumber: string;
  assignmentId: string;
  assignmentStatus: "active" | "disconnected";
  upstreamMode: "ok" | "fail" | "hold" | "unknown";
  upstreamLatencyMs: number;
  /** The agent's BlueBubbles bridge, or null on the sandbox (which then plays the human here). */
  bridge: { status: string } | null;
  /** A contact rule matches the human: the agent cannot message them. */
  blocked: boolean;
  messages: MessageView[];
  earlierCount: number;
  /** The operator who took the conversation over from its agent, and since when; null while the agent has it. */
  takenOver: { operator: { id: string; email: string }; at: string } | null;
  /** The take-over audit trail, oldest first: who took it over or handed it back, and when. */
  handoffs: { id: string; action: "take_over" | "hand_back"; by: string; at: string }[];
  /** Other operators with the thread open now, and whether each is writing a reply (see presence.ts). */
  presence: PresenceEntry[];
  /** Sends whose outcome is not known yet (SPEC §5.0): shown as "Not confirmed yet" until settled. */
  unconfirmed: UnconfirmedView[];
}

export type UnconfirmedView =
  | { id: string; type: "message"; text: string; createdAt: string }
  | { id: string; type: "reaction"; messageId: string; partIndex: number; operation: "add" | "remove"; kind: string };

/** How many take-overs and hand-backs a thread shows (the newest). */
const HANDOFF_LIMIT = 50;

/**
 * The sandbox's controls are workspace-wide, so they are part of every thread's ETag; so is
 * who has the thread open (presence changes no version: it is not the conversation's data).
 */
function threadEtag(
  version: number,
  ws: { upstreamMode: string; upstreamLatencyMs: number },
  presence: string,
): string {
  const who = presence ? `-p${createHash("sha1").update(presence).digest("base64url").slice(0, 12)}` : "";
  return `"t${version}-${ws.upstreamMode}-${ws.upstreamLatencyMs}${who}"`;
}

/**
 * The thread's current ETag, from one indexed lookup: the unchanged poll's whole database
 * work, so one statement (a nested Prisma select would send one per relation). With it, how
 * long it holds at most without any change being made: until the first of the thread's present
 * operators expires (nobody announces an expiry), null when nobody is present; in the same
 * statement, so both describe the same moment.
 */
export async function threadEtagRead(
  db: Db,
  scope: Scope,
  conversationId: string,
): Promise<{ etag: string; presenceExpiresInMs: number | null }> {
  const agentId = scope.agentId ?? null;
  const [c] = await db.$queryRaw<
    {
      version: number;
      upstream_mode: string;
      upstream_latency_ms: number;
      presence: string | null;
      expires_in_ms: number | null;
    }[]
  >`
    SELECT c.version, w.upstream_mode::text AS upstream_mode, w.upstream_latency_ms,
           (${PRESENCE_KEY_SQL}) AS presence, (${PRESENCE_EXPIRES_IN_MS_SQL}) AS expires_in_ms
      FROM conversation c JOIN workspace w ON w.id = c.workspace_id
     WHERE c.id = ${conversationId}::uuid AND c.workspace_id = ${scope.workspaceId}::uuid
       AND (${agentId}::uuid IS NULL OR c.agent_id = ${agentId}::uuid)`;
  if (!c) throw new AppError("conversation_not_found");
  return {
    etag: threadEtag(
      c.version,
      { upstreamMode: c.upstream_mode, upstreamLatencyMs: c.upstream_latency_ms },
      c.presence ?? "",
    ),
    presenceExpiresInMs: c.expires_in_ms === null ? null : Number(c.expires_in_ms),
  };
}

export async function threadView(db: Db, scope: Scope, conversationId: string): Promise<ThreadView> {
  const c = await db.conversation.findFirst({
    where: { id: conversationId, ...conversationWhere(scope) },
    include: {
      agent: { include: { bridge: { select: { status: true } } } },
      assignment: true,
      workspace: { select: { upstreamMode: true, upstreamLatencyMs: true } },
      takenOverBy: { select: { id: true, email: true } },
      handoffs: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: HANDOFF_LIMIT,
        include: { operator: { select: { email: true } } },
      },
    },
  });
  if (!c) throw new AppError("conversation_not_found");
  const [unsettled, blocked, total, rows, presence] = await Promise.all([
    unsettledOfConversation(db, conversationId),
    isContactBlocked(db, scope.workspaceId, c.remoteNumber),
    db.message.count({ where: { conversationId, workspaceId: scope.workspaceId } }),
    db.message.findMany({
      where: { conversationId, workspaceId: scope.workspaceId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: THREAD_LIMIT,
      include: { parts: { orderBy: { index: "asc" } }, reactions: true },
    }),
    presentIn(db, conversationId),
  ]);
  const takenOver = takenOverOf(c);
  const by = (direction: string) => (direction === "outbound" ? c.agent.name : c.remoteNumber);
  return {
    id: c.id,
    etag: threadEtag(c.version, c.workspace, presenceKey(presence)),
    takenOver: takenOver && { operator: takenOver.operator, at: takenOver.at.toISOString() },
    handoffs: c.handoffs.reverse().map((h) => ({
      id: h.id,
      action: h.action,
      by: h.operator.email,
      at: h.createdAt.toISOString(),
    })),
    presence,
    agent: {
      id: c.agent.id,
      name: c.agent.name,
      handle: c.agent.handle,
      customEmojiSends: c.agent.customEmojiSends,
      imessageEnabled: c.agent.imessageEnabled,
    },
    remoteNumber: c.remoteNumber,
    assignmentId: c.assignmentId,
    assignmentStatus: c.assignment.status,
    upstreamMode: c.workspace.upstreamMode,
    upstreamLatencyMs: c.workspace.upstreamLatencyMs,
    bridge: c.agent.bridge ? { status: c.agent.bridge.status } : null,
    blocked,
    earlierCount: Math.max(0, total - rows.length),
    unconfirmed: unsettled.map((u): UnconfirmedView => {
      const p = u.payload;
      return p.type === "message"
        ? {
            id: u.id,
            type: "message",
            text: p.parts.map((x) => ("text" in x ? x.text : x.attachment.file_name)).join("\n"),
            createdAt: u.createdAt.toISOString(),
          }
        : {
            id: u.id,
            type: "reaction",
            messageId: p.messageId,
            partIndex: p.partIndex,
            operation: p.delivered.operation,
            kind: p.delivered.kind,
          };
    }),
    messages: rows.reverse().map((m) => {
      const reactions = [...m.reactions].sort(byAge);
      return {
        id: m.id,
        direction: m.direction,
        status: m.status,
        createdAt: m.createdAt.toISOString(),
        parts: m.parts.map((p) => ({
          index: p.index,
          type: p.type,
          text: p.text,
          attachment:
            p.type === "attachment"
              ? {
                  url: sameOrigin(p.attachmentUrl ?? ""),
                  mimeType: p.attachmentMimeType ?? "",
                  fileName: p.attachmentFileName ?? "",
                }
              : null,
          reactions: reactions.filter((r) => r.partIndex === p.index).map((r) => reactionView(r, by(r.direction))),
        })),
      };
    }),
  };
}

/** One live reaction as a badge shows it; `by` is who placed it. */
function reactionView(r: Reaction, by: string): ReactionView {
  return {
    id: r.id,
    partIndex: r.partIndex,
    direction: r.direction,
    kind: r.kind,
    customEmoji: r.customEmoji,
    sticker: forThisOrigin((r.sticker as StickerInfo | null) ?? null),
    by,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    sequence: r.sequence,
  };
}

/** Marks the thread seen by this operator (clears its unread mark in the inbox). */
export async function markRead(db: Db, scope: Scope, operatorId: string, conversationId: string) {
  const now = new Date();
  await db.conversationRead.upsert({
    where: { operatorId_conversationId: { operatorId, conversationId } },
    create: { workspaceId: scope.workspaceId, operatorId, conversationId, readAt: now },
    update: { readAt: now },
  });
  // The operator's inbox, waiting in another poll (or another tab), drops the unread mark.
  await touchInboxReads(db, scope.workspaceId);
}

export interface InboxEntry {
  id: string;
  agentName: string;
  remoteNumber: string;
  status: "active" | "disconnected";
  lastActivityAt: string;
  snippet: string;
  unread: boolean;
  /** The email of the operator who took it over, or null while the agent has it. */
  takenOverBy: string | null;
  /** Taken over by the operator looking at the inbox. */
  takenOverByMe: boolean;
}

export interface InboxView {
  etag: string;
  conversations: InboxEntry[];
  /** Every agent of the workspace, for the agent filter. */
  agents: { id: string; name: string }[];
}

/** The inbox's search and filters, as they stand in the page's URL (?q=&agent=&unread=1&mine=1). */
export const inboxFilters = z.object({
  // NUL cannot be stored or searched in PostgreSQL text; it never matches anything anyway.
  q: z
    .string()
    .max(200)
    .transform((q) => q.replaceAll("\0", "").trim() || undefined)
    .optional()
    .catch(undefined),
  agent: z.uuid().optional().catch(undefined),
  unread: z
    .enum(["1"])
    .optional()
    .catch(undefined)
    .transform((v) => v === "1"),
  /** Only the conversations this operator has taken over. */
  mine: z
    .enum(["1"])
    .optional()
    .catch(undefined)
    .transform((v) => v === "1"),
});
export type InboxFilters = z.infer<typeof inboxFilters>;

/** The human's number (digits typed in any layout), the agent's name, or any message text. */
function searchWhere(q: string) {
  const digits = /^[\d\s()+.-]+$/.test(q) ? q.replace(/\D/g, "") : "";
  return {
    OR: [
      { remoteNumber: { contains: q } },
      ...(digits ? [{ remoteNumber: { contains: digits } }] : []),
      { agent: { name: { contains: q, mode: "insensitive" as const } } },
      { messages: { some: { parts: { some: { text: { contains: q, mode: "insensitive" as const } } } } } },
    ],
  };
}

/** Newest activity first, with unread marks for this operator; narrowed by the inbox's filters. */
export async function inboxView(
  db: Db,
  scope: Scope,
  operatorId: string,
  filters: InboxFilters = { unread: false, mine: false },
): Promise<InboxView> {
  const agents = await db.agent.findMany({
    where: { workspaceId: scope.workspaceId, ...(scope.agentId ? { id: scope.agentId } : {}) },
    orderBy: [{ name: "asc" }, { id: "asc" }],
    select: { id: true, name: true },
  });
  const rows = await db.conversation.findMany({
    where: {
      ...conversationWhere(scope),
      ...(filters.agent ? { agentId: filters.agent } : {}),
      ...(filters.mine ? { takenOverById: operatorId } : {}),
      ...(filters.q ? searchWhere(filters.q) : {}),
    },
    orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }],
    take: 200,
    include: {
      agent: { select: { name: true } },
      assignment: { select: { status: true } },
      takenOverBy: { select: { id: true, email: true } },
      reads: { where: { operatorId }, select: { readAt: true } },
      messages: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 1,
        include: { parts: { orderBy: { index: "asc" }, take: 1 } },
      },
      // The latest live tapback, with the part it is on: when it is newer than the last
      // message, the row's preview and time are about it.
      reactions: {
        orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
        take: 1,
        select: {
          kind: true,
          customEmoji: true,
          direction: true,
          partIndex: true,
          updatedAt: true,
          message: { select: { parts: { select: { index: true, type: true, text: true, attachmentFileName: true } } } },
        },
      },
    },
  });
  const conversations = rows.map((c) => {
    const last = c.messages[0];
    const reaction = c.reactions[0];
    const readAt = c.reads[0]?.readAt;
    const latest = latestActivity(
      last && { at: last.createdAt, part: last.parts[0] },
      reaction && {
        kind: reaction.kind,
        customEmoji: reaction.customEmoji,
        direction: reaction.direction,
        part: reaction.message.parts.find((p) => p.index === reaction.partIndex) ?? null,
        at: reaction.updatedAt,
      },
      c.agent.name,
      c.lastActivityAt,
    );
    return {
      id: c.id,
      agentName: c.agent.name,
      remoteNumber: c.remoteNumber,
      status: c.assignment.status,
      lastActivityAt: latest.at.toISOString(),
      snippet: latest.snippet,
      unread: !!c.lastInboundAt && (!readAt || readAt < c.lastInboundAt),
      takenOverBy: c.takenOverBy?.email ?? null,
      takenOverByMe: c.takenOverBy?.id === operatorId,
    };
  });
  const shown = filters.unread ? conversations.filter((c) => c.unread) : conversations;
  // The filters are part of the ETag: a filtered view never passes for the unfiltered one.
  const etag = `"i${createHash("sha1")
    .update(JSON.stringify([filters, agents, shown]))
    .digest("base64url")}"`;
  return { etag, conversations: shown, agents };
}

/**
 * A bridge's stickers and attachments are served by Tapdesk under its public URL (for API
 * clients); the page loads them from its own origin instead, where the operator's session
 * cookie goes along.
 */
function sameOrigin(url: string): string {
  const base = publicUrl();
  return url.startsWith(`${base}/`) ? url.slice(base.length) : url;
}

function forThisOrigin(sticker: StickerInfo | null): StickerInfo | null {
  return sticker && { ...sticker, url: sameOrigin(sticker.url) };
}
