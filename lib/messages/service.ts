import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { isContactBlocked } from "../contact-rules/service";
import { refusedWhileTakenOver, takenOverError, takenOverOf } from "../conversations/takeover";
import { touchConversation } from "../conversations/version";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import type { Assignment, Message, MessagePart, Prisma, Reaction } from "../generated/prisma/client";
import { type Actor, conversationWhere, type Scope } from "../scope";
import { findUnsettled, markNotSent, markSent, recordUnsettled, type UnsettledRow } from "../sends/unsettled";
import type { StickerInfo } from "../tapbacks/kinds";
import { byAge, compactReaction } from "../tapbacks/serialize";
import { type Upstream, UpstreamError, upstreamFor } from "../upstream";
import { claimBridgeGuid } from "../upstream/guids";
import { trackSend } from "../upstream/in-flight";
import type {
  chatHandleSchema,
  messagePageSchema,
  messageSchema,
  PartInput,
  partReactionSchema,
  partSchema,
} from "./schemas";

export type PartObject = z.infer<typeof partSchema>;
export type MessageObject = z.infer<typeof messageSchema>;
type PartReaction = z.infer<typeof partReactionSchema>;
type ChatHandle = z.infer<typeof chatHandleSchema>;

type MessageRow = Message & { parts: MessagePart[]; reactions: Omit<Reaction, "updatedAt">[] };

/** The two people of a conversation, as its message objects name them. */
export interface Participants {
  remoteNumber: string;
  agentId: string;
  assignment: Pick<Assignment, "id" | "status" | "createdAt" | "disconnectedAt">;
}

/** What a message read selects of its conversation to build `Participants`. */
export const participantsSelect = {
  remoteNumber: true,
  agentId: true,
  assignment: { select: { id: true, status: true, createdAt: true, disconnectedAt: true } },
} satisfies Prisma.ConversationSelect;

const withPartsAndReactions = {
  parts: { orderBy: { index: "asc" } },
  reactions: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
} satisfies Prisma.MessageInclude;

/**
 * Linq's `handle` objects of the conversation's two sides. The human is their assignment; the
 * agent has no assignment of its own, so it is `active` since the conversation began and never
 * leaves. `handle` is the reaction row's sender (the number or the agent's handle it was placed as).
 */
function handlesOf(people: Participants) {
  const joined_at = people.assignment.createdAt.toISOString();
  const left = people.assignment.status === "disconnected";
  const human = (handle: string): ChatHandle => ({
    id: people.assignment.id,
    handle,
    is_me: false,
    service: "iMessage",
    status: left ? "left" : "active",
    joined_at,
    left_at: left ? (people.assignment.disconnectedAt ?? people.assignment.createdAt).toISOString() : null,
  });
  const agent = (handle: string): ChatHandle => ({
    id: people.agentId,
    handle,
    is_me: true,
    service: "iMessage",
    status: "active",
    joined_at,
    left_at: null,
  });
  return { human, agent };
}

/**
 * Both vendors' read shapes from the same rows: the message-level array (all parts) and, on each
 * part, Linq's `reactions[]` — one pass over the reactions, grouped by part.
 */
export function messageObject(row: MessageRow, people: Participants): MessageObject {
  const reactions = [...row.reactions].sort(byAge);
  const handles = handlesOf(people);
  const byPart = new Map<number, PartReaction[]>();
  for (const r of reactions) {
    const isMe = r.direction === "outbound";
    const entry: PartReaction = {
      type: r.kind,
      is_me: isMe,
      custom_emoji: r.customEmoji,
      sticker: (r.sticker as StickerInfo | null) ?? null,
      handle: isMe ? handles.agent(r.sender) : handles.human(r.sender),
    };
    const list = byPart.get(r.partIndex);
    if (list) list.push(entry);
    else byPart.set(r.partIndex, [entry]);
  }
  return {
    id: row.id,
    conversation_id: row.conversationId,
    direction: row.direction,
    sender: row.sender,
    status: row.status,
    parts: row.parts.map((p) => partObject(p, byPart.get(p.index) ?? [])),
    reactions: reactions.map((r) => compactReaction(r, people.remoteNumber)),
    trace_id: row.traceId,
    metadata: (row.metadata as Record<string, unknown> | null) ?? null,
    created_at: row.createdAt.toISOString(),
  };
}

function partObject(p: MessagePart, reactions: PartReaction[]): PartObject {
  if (p.type === "attachment") {
    return {
      index: p.index,
      type: "attachment",
      attachment: {
        url: p.attachmentUrl ?? "",
        mime_type: p.attachmentMimeType ?? "",
        file_name: p.attachmentFileName ?? "",
      },
      value: null,
      reactions,
    };
  }
  const text = p.text ?? "";
  return { index: p.index, type: "text", text, value: text, reactions };
}

function partRows(workspaceId: string, messageId: string, parts: PartInput[]) {
  return parts.map((p, index) =>
    "text" in p
      ? { id: randomUUID(), workspaceId, messageId, index, type: "text" as const, text: p.text }
      : {
          id: randomUUID(),
          workspaceId,
          messageId,
          index,
          type: "attachment" as const,
          attachmentUrl: p.attachment.url,
          attachmentMimeType: p.attachment.mime_type,
          attachmentFileName: p.attachment.file_name,
        },
  );
}

export async function findConversation(db: Db | Tx, scope: Scope, conversationId: string) {
  const conversation = await db.conversation.findFirst({
    where: { id: conversationId, ...conversationWhere(scope) },
    include: {
      agent: { include: { bridge: { select: { id: true } } } },
      assignment: true,
      takenOverBy: { select: { id: true, email: true } },
    },
  });
  if (!conversation) throw new AppError("conversation_not_found");
  return conversation;
}

/** One message with its parts, and the conversation's new version, in the caller's transaction. */
export async function insertMessage(
  tx: Tx,
  conversation: { id: string; workspaceId: string },
  message: {
    direction: "inbound" | "outbound";
    sender: string;
    status: Message["status"];
    bridgeGuid?: string | null;
    traceId?: string | null;
    metadata?: Prisma.InputJsonValue;
  },
  parts: PartInput[],
  at: Date,
) {
  const id = randomUUID();
  await tx.message.create({
    data: { id, workspaceId: conversation.workspaceId, conversationId: conversation.id, createdAt: at, ...message },
  });
  await tx.messagePart.createMany({ data: partRows(conversation.workspaceId, id, parts) });
  await touchConversation(tx, conversation.id, at, message.direction === "inbound");
  return id;
}

/**
 * The agent sends a message (POST /conversations/{id}/messages, the dashboard's reply). The
 * upstream delivers it first, outside any transaction; only then is it recorded, so an
 * upstream refusal (502) leaves nothing behind. `actor` says who sends as the agent: while an
 * operator has taken the conversation over, only operators may (409 conversation_taken_over).
 * When the upstream cannot say whether it sent
 * it — or it did and recording failed — the send is kept unsettled (504, SPEC §5.0) and is
 * recorded once the upstream settles it.
 */
export function sendMessage(
  db: Db,
  scope: Scope,
  conversationId: string,
  parts: PartInput[],
  actor?: Actor,
  trace: { traceId?: string; metadata?: Record<string, unknown> } = {},
) {
  return trackSend(deliverAndRecord(db, scope, conversationId, parts, actor, trace));
}

async function deliverAndRecord(
  db: Db,
  scope: Scope,
  conversationId: string,
  parts: PartInput[],
  actor: Actor | undefined,
  trace: { traceId?: string; metadata?: Record<string, unknown> },
) {
  const conversation = await findConversation(db, scope, conversationId);
  if (!conversation.agent.imessageEnabled) throw new AppError("identity_not_imessage");
  if (await isContactBlocked(db, scope.workspaceId, conversation.remoteNumber)) throw new AppError("contact_blocked");
  if (conversation.assignment.status === "disconnected") throw new AppError("recipient_disconnected");
  const takenOver = takenOverOf(conversation);
  if (takenOver && refusedWhileTakenOver(actor)) throw takenOverError(takenOver);
  const upstream = upstreamFor(db, { id: conversation.agentId, bridged: conversation.agent.bridge !== null });
  const tempGuid = randomUUID();
  const unsettled = (sentence: string, guid?: string) =>
    keepUnsettled(db, upstream, {
      workspaceId: scope.workspaceId,
      agentId: conversation.agentId,
      conversationId,
      tempGuid,
      guid,
      parts,
      sender: conversation.agent.handle,
      trace,
      sentence,
    });
  let receipt: Awaited<ReturnType<typeof upstream.deliverMessage>>;
  try {
    receipt = await upstream.deliverMessage({
      workspaceId: scope.workspaceId,
      agentId: conversation.agentId,
      conversationId,
      from: conversation.agent.handle,
      to: conversation.remoteNumber,
      chatGuid: conversation.chatGuid,
      parts,
      tempGuid,
    });
  } catch (error) {
    if (error instanceof UpstreamError) {
      if (error.outcome === "unknown") return unsettled(error.message);
      throw new AppError("upstream_delivery_failed", error.message);
    }
    throw error;
  }
  let id: string;
  try {
    id = await recordSent(db, conversation, { sender: conversation.agent.handle, parts, trace, ...receipt });
  } catch (error) {
    // Delivered, but not recorded: settled from the upstream like any unknown outcome.
    return unsettled(
      `It was sent, but Tapdesk could not record it (${(error as Error).message.split("\n")[0]}).`,
      receipt.guid,
    );
  }
  return getMessage(db, scope, id);
}

/**
 * Records an outbound message the upstream sent. The bridge echoes it back under its guid, and
 * reconciliation may have recorded that echo first (a bridge can take a minute to answer):
 * then that message is this send's.
 */
async function recordSent(
  db: Db,
  conversation: { id: string; workspaceId: string; agentId: string },
  sent: {
    sender: string;
    parts: PartInput[];
    status: Message["status"];
    guid?: string | null;
    trace?: { traceId?: string; metadata?: Record<string, unknown> };
  },
  settles?: { id: string },
): Promise<string> {
  return db.$transaction(async (tx) => {
    let id: string | null = null;
    if (sent.guid) {
      const claim = { agentId: conversation.agentId, guid: sent.guid, workspaceId: conversation.workspaceId };
      if (!(await claimBridgeGuid(tx, claim))) {
        const recorded = await tx.message.findFirst({
          where: { workspaceId: conversation.workspaceId, bridgeGuid: sent.guid },
          select: { id: true },
        });
        id = recorded?.id ?? null;
      }
    }
    id ??= await insertMessage(
      tx,
      conversation,
      {
        direction: "outbound",
        sender: sent.sender,
        status: sent.status,
        bridgeGuid: sent.guid ?? null,
        traceId: sent.trace?.traceId ?? null,
        ...(sent.trace?.metadata ? { metadata: sent.trace.metadata as Prisma.InputJsonValue } : {}),
      },
      sent.parts,
      new Date(),
    );
    if (settles) {
      const answer = { status: 201, body: await messageIn(tx, conversation.workspaceId, id) };
      if (!(await markSent(tx, settles.id, answer))) throw new AlreadySettled();
    }
    return id;
  });
}

class AlreadySettled extends Error {}

async function keepUnsettled(
  db: Db,
  upstream: Upstream,
  send: {
    workspaceId: string;
    agentId: string;
    conversationId: string;
    tempGuid: string;
    guid?: string;
    parts: PartInput[];
    sender: string;
    trace: { traceId?: string; metadata?: Record<string, unknown> };
    sentence: string;
  },
): Promise<never> {
  const id = await recordUnsettled(db, {
    ...send,
    payload: {
      type: "message",
      parts: send.parts,
      sender: send.sender,
      trace: send.trace,
      ...(send.guid ? { guid: send.guid } : {}),
    },
  });
  settleSoon(db, upstream, id);
  const error = new AppError("upstream_outcome_unknown", `Not confirmed yet: ${send.sentence}`);
  error.unsettledSendId = id;
  throw error;
}

/** Asks the upstream, shortly, what became of an unsettled send; one that can tell at once is settled now. */
function settleSoon(db: Db, upstream: Upstream, id: string) {
  setTimeout(async () => {
    try {
      const row = await findUnsettled(db, id);
      if (row?.state !== "unsettled") return;
      const outcome = await upstream.settle({ id, agentId: row.agentId, kind: "message" });
      if (outcome === "sent") await settleMessageSend(db, row, { status: "delivered" });
      else if (outcome === "not_sent") await markNotSent(db, id);
    } catch (error) {
      console.error("An unsettled message could not be settled yet:", (error as Error).message);
    }
  }, 200).unref();
}

/**
 * The upstream sent an unsettled message: it is recorded now, as if the call had answered,
 * once (false when it was settled already).
 */
export async function settleMessageSend(
  db: Db,
  send: UnsettledRow,
  delivered: { status: Message["status"]; guid?: string | null },
): Promise<boolean> {
  if (send.payload.type !== "message") return false;
  const conversation = await db.conversation.findUnique({
    where: { id: send.conversationId },
    select: { id: true, workspaceId: true, agentId: true },
  });
  if (!conversation) return false;
  const payload = send.payload as typeof send.payload & { guid?: string };
  try {
    await recordSent(
      db,
      conversation,
      {
        sender: payload.sender,
        parts: payload.parts,
        status: delivered.status,
        guid: delivered.guid ?? payload.guid,
        trace: payload.trace,
      },
      { id: send.id },
    );
    return true;
  } catch (error) {
    if (error instanceof AlreadySettled) return false;
    throw error;
  }
}

async function messageIn(tx: Tx, workspaceId: string, id: string): Promise<MessageObject> {
  const row = await tx.message.findFirstOrThrow({
    where: { id, workspaceId },
    include: { ...withPartsAndReactions, conversation: { select: participantsSelect } },
  });
  return messageObject(row, row.conversation);
}

/** The human sends a message (the sandbox phone). */
export async function receiveMessage(db: Db, scope: Scope, conversationId: string, parts: PartInput[]) {
  const conversation = await findConversation(db, scope, conversationId);
  const id = await db.$transaction((tx) =>
    insertMessage(
      tx,
      conversation,
      { direction: "inbound", sender: conversation.remoteNumber, status: "received" },
      parts,
      new Date(),
    ),
  );
  return getMessage(db, scope, id);
}

export async function getMessage(db: Db, scope: Scope, messageId: string): Promise<MessageObject> {
  const row = await db.message.findFirst({
    where: { id: messageId, workspaceId: scope.workspaceId, conversation: conversationWhere(scope) },
    include: { ...withPartsAndReactions, conversation: { select: participantsSelect } },
  });
  if (!row) throw new AppError("message_not_found");
  return messageObject(row, row.conversation);
}

export type MessagePage = z.infer<typeof messagePageSchema>;

/** Messages oldest→newest; `before` is a message id (the cursor), `limit` ≤ 200. */
export async function listMessages(
  db: Db,
  scope: Scope,
  conversationId: string,
  options: { before?: string; limit?: number } = {},
): Promise<MessagePage> {
  const conversation = await findConversation(db, scope, conversationId);
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  let cursorFilter = {};
  if (options.before) {
    const cursor = await db.message.findFirst({
      where: { id: options.before, conversationId, workspaceId: scope.workspaceId },
      select: { id: true, createdAt: true },
    });
    if (!cursor) throw new AppError("message_not_found", "The `before` cursor is not a message of this conversation.");
    cursorFilter = {
      OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
    };
  }
  const rows = await db.message.findMany({
    where: { conversationId, workspaceId: scope.workspaceId, ...cursorFilter },
    include: withPartsAndReactions,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const more = rows.length > limit;
  const page = rows.slice(0, limit).reverse();
  return {
    data: page.map((r) => messageObject(r, conversation)),
    next_before: more && page[0] ? page[0].id : null,
  };
}

/** Held messages go out once the upstream is back (the sandbox's `hold` mode ends). */
export async function releaseQueued(db: Db, workspaceId: string): Promise<number> {
  return db.$transaction(async (tx) => {
    const queued = await tx.message.findMany({
      where: { workspaceId, status: "queued" },
      select: { id: true, conversationId: true },
    });
    if (queued.length === 0) return 0;
    await tx.message.updateMany({ where: { id: { in: queued.map((m) => m.id) } }, data: { status: "delivered" } });
    const now = new Date();
    for (const conversationId of new Set(queued.map((m) => m.conversationId))) {
      await touchConversation(tx, conversationId, now);
    }
    return queued.length;
  });
}
