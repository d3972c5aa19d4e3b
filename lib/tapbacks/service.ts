import { randomUUID } from "node:crypto";
import { isContactBlocked } from "../contact-rules/service";
import { touchConversation } from "../conversations/version";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { isUuid } from "../ids";
import { type Actor, conversationWhere, type Scope } from "../scope";
import { upstream as configuredUpstream, type Upstream, UpstreamError } from "../upstream";
import { writeReactionEvents } from "../webhooks/events";
import { isSingleEmoji, type Kind, type StickerInfo, type TapbackKind } from "./kinds";
import { type Decision, decide, type Request, type Tapback } from "./rules";
import { fullReaction, type ReactionObject } from "./serialize";

/**
 * The one tapback service (SPEC §2): every send and removal — API, dashboard, sandbox
 * human — goes through `react`. The decision is the pure `decide`; this applies it in one
 * transaction that holds the slot's row lock, so concurrent changes of a slot serialize
 * and its `sequence` stays gapless.
 */

/** The agent reacts (API key or operator), or the human does (the sandbox phone). */
export type Side = "agent" | "human";

export type ReactRequest =
  | { operation: "add"; kind: Kind; customEmoji?: string | null; sticker?: StickerInfo | null }
  /** kind given: remove only if the live tapback is that kind (the operation form). */
  | { operation: "remove"; kind?: Kind; customEmoji?: string | null; reactionId?: string };

export interface ReactInput {
  scope: Scope;
  actor: Actor;
  side: Side;
  messageId: string;
  partIndex?: number;
  request: ReactRequest;
}

export type Outcome = "added" | "replaced" | "removed" | "noop";

export interface ReactResult {
  outcome: Outcome;
  /** The live reaction after the change; for a removal, the one removed; null for a no-op on an empty slot. */
  reaction: ReactionObject | null;
  previous: Tapback | null;
}

const TAPBACK_LANE = "tapback";
const TX_OPTIONS = { maxWait: 60_000, timeout: 60_000 } as const;

async function findTarget(db: Db, scope: Scope, messageId: string) {
  if (!isUuid(messageId)) throw new AppError("message_not_found");
  const message = await db.message.findFirst({
    where: { id: messageId, workspaceId: scope.workspaceId, conversation: conversationWhere(scope) },
    select: {
      id: true,
      direction: true,
      status: true,
      conversationId: true,
      // The part indexes, not `_count`: Prisma computes a relation count by grouping the
      // whole message_part table, which grows with the database.
      parts: { select: { index: true } },
      conversation: {
        select: {
          remoteNumber: true,
          assignment: { select: { id: true, status: true } },
          agent: { select: { handle: true, imessageEnabled: true, customEmojiSends: true } },
        },
      },
    },
  });
  if (!message) throw new AppError("message_not_found");
  return message;
}

type Target = Awaited<ReturnType<typeof findTarget>>;

/** The checks of the error table that follow the lookup, in the table's order. */
function checkAgentMayReact(target: Target, request: ReactRequest, contactBlocked: boolean) {
  const agent = target.conversation.agent;
  if (request.operation === "add") {
    if (request.kind === "sticker") throw new AppError("reaction_not_sendable", "Stickers cannot be sent.");
    if (request.kind === "custom" && !agent.customEmojiSends) {
      throw new AppError(
        "reaction_not_sendable",
        "This agent does not send custom emoji (custom_emoji_sends is off); send one of the classic six.",
      );
    }
  }
  if (!agent.imessageEnabled) throw new AppError("identity_not_imessage");
  if (contactBlocked) throw new AppError("contact_blocked");
  if (target.conversation.assignment.status === "disconnected") throw new AppError("recipient_disconnected");
  if (target.direction === "outbound" && (target.status === "queued" || target.status === "failed")) {
    throw new AppError(
      "message_not_reactable",
      target.status === "queued"
        ? "The message is still queued; it can take reactions once it is sent."
        : "The message failed to send and cannot take reactions.",
    );
  }
}

export async function react(
  db: Db,
  input: ReactInput,
  upstream: Upstream = configuredUpstream(),
): Promise<ReactResult> {
  const { request, scope } = input;
  const partIndex = input.partIndex ?? 0;
  if (!Number.isInteger(partIndex) || partIndex < 0) throw new AppError("invalid_part_index");
  if (request.operation === "add" && request.kind === "custom" && !isSingleEmoji(request.customEmoji)) {
    throw new AppError("invalid_reaction", "custom_emoji must be exactly one emoji.");
  }
  // An agent's sticker is refused after the lookup (reaction_not_sendable, in the table's order).
  if (input.side === "human" && request.operation === "add" && request.kind === "sticker" && !request.sticker) {
    throw new AppError("validation_failed", "A sticker reaction needs its sticker.", [
      { field: "sticker", message: "Required when the reaction is a sticker." },
    ]);
  }

  const target = await findTarget(db, scope, input.messageId);
  const partCount = target.parts.length;
  if (partIndex >= partCount) {
    throw new AppError(
      "invalid_part_index",
      `The message has ${partCount} part${partCount === 1 ? "" : "s"}; part_index must be below that.`,
    );
  }
  if (input.side === "agent") {
    const blocked = await isContactBlocked(db, scope.workspaceId, target.conversation.remoteNumber);
    checkAgentMayReact(target, request, blocked);
  }
  const sender = input.side === "agent" ? target.conversation.agent.handle : target.conversation.remoteNumber;
  const ctx = { input, target, sender, partIndex, upstream };

  try {
    return await db.$transaction(
      (tx) =>
        (request.operation === "add" && request.kind === "sticker") ||
        (request.operation === "remove" && request.kind === "sticker")
          ? applySticker(tx as Tx, ctx)
          : applyTapback(tx as Tx, ctx),
      TX_OPTIONS,
    );
  } catch (error) {
    if (error instanceof UpstreamError) throw new AppError("upstream_delivery_failed", error.message);
    throw error;
  }
}

interface Ctx {
  input: ReactInput;
  target: Target;
  sender: string;
  partIndex: number;
  upstream: Upstream;
}

/** Creates the slot if it is new and takes its row lock for the rest of the transaction. */
async function lockSlot(tx: Tx, ctx: Ctx, lane: string) {
  await tx.$executeRaw`
    INSERT INTO reaction_slot (id, workspace_id, message_id, part_index, sender, lane)
    VALUES (${randomUUID()}::uuid, ${ctx.input.scope.workspaceId}::uuid, ${ctx.target.id}::uuid,
            ${ctx.partIndex}, ${ctx.sender}, ${lane})
    ON CONFLICT (message_id, part_index, sender, lane) DO NOTHING`;
  const [slot] = await tx.$queryRaw<{ id: string; sequence: number }[]>`
    SELECT id::text AS id, sequence FROM reaction_slot
     WHERE message_id = ${ctx.target.id}::uuid AND part_index = ${ctx.partIndex}
       AND sender = ${ctx.sender} AND lane = ${lane}
     FOR UPDATE`;
  if (!slot) throw new Error("reaction slot vanished while locking it");
  return slot;
}

function toTapback(row: { kind: string; customEmoji: string | null }): Tapback {
  return { kind: row.kind as TapbackKind, customEmoji: row.customEmoji };
}

async function applyTapback(tx: Tx, ctx: Ctx): Promise<ReactResult> {
  const { request } = ctx.input;
  const slot = await lockSlot(tx, ctx, TAPBACK_LANE);
  const live = await tx.reaction.findUnique({ where: { slotId: slot.id } });
  if (request.operation === "remove" && request.reactionId && live && live.id !== request.reactionId) {
    return { outcome: "noop", reaction: null, previous: null };
  }
  const rulesRequest: Request =
    request.operation === "add"
      ? {
          operation: "add",
          tapback: { kind: request.kind as TapbackKind, customEmoji: request.customEmoji ?? null },
        }
      : {
          operation: "remove",
          match: request.kind
            ? { kind: request.kind as TapbackKind, customEmoji: request.customEmoji ?? null }
            : undefined,
        };
  const decision: Decision = decide(live ? toTapback(live) : null, rulesRequest);
  const remote = ctx.target.conversation.remoteNumber;
  if (decision.action === "noop") {
    return { outcome: "noop", reaction: live ? fullReaction(live, remote) : null, previous: null };
  }

  if (ctx.input.side === "agent") {
    const t = decision.action === "remove" ? decision.previous : decision.next;
    await ctx.upstream.deliverReaction(tx, {
      workspaceId: ctx.input.scope.workspaceId,
      conversationId: ctx.target.conversationId,
      messageId: ctx.target.id,
      partIndex: ctx.partIndex,
      from: ctx.sender,
      to: remote,
      operation: decision.action === "remove" ? "remove" : "add",
      kind: t.kind,
      customEmoji: t.customEmoji,
    });
  }

  const sequence = slot.sequence + 1;
  const now = new Date();
  let row: Parameters<typeof fullReaction>[0] & { kind: Kind; sticker: Prisma.JsonValue | null };
  let previous: Tapback | null = null;
  if (decision.action === "add") {
    row = await tx.reaction.create({
      data: {
        ...newReaction(ctx, randomUUID(), slot.id, sequence, now),
        kind: decision.next.kind,
        customEmoji: decision.next.customEmoji,
      },
    });
  } else if (decision.action === "replace" && live) {
    previous = decision.previous;
    row = await tx.reaction.update({
      where: { id: live.id },
      data: { kind: decision.next.kind, customEmoji: decision.next.customEmoji, sequence, updatedAt: now },
    });
  } else if (live) {
    previous = decision.action === "remove" ? decision.previous : null;
    await tx.reaction.delete({ where: { id: live.id } });
    row = { ...live, sequence, updatedAt: now };
  } else {
    throw new Error(`decision ${decision.action} without a live reaction`);
  }
  const outcome: Outcome = decision.action === "add" ? "added" : decision.action === "replace" ? "replaced" : "removed";
  await record(tx, ctx, slot.id, row, outcome, previous, now);
  return { outcome, reaction: fullReaction(row, remote), previous };
}

/** Where a new reaction sits and who placed it; the caller adds what it is. */
function newReaction(ctx: Ctx, id: string, slotId: string, sequence: number, now: Date) {
  return {
    id,
    workspaceId: ctx.input.scope.workspaceId,
    slotId,
    conversationId: ctx.target.conversationId,
    assignmentId: ctx.target.conversation.assignment.id,
    messageId: ctx.target.id,
    partIndex: ctx.partIndex,
    direction: ctx.input.side === "agent" ? ("outbound" as const) : ("inbound" as const),
    sender: ctx.sender,
    sequence,
    createdAt: now,
    updatedAt: now,
  };
}

/** Stickers never replace and are never replaced: each one has a lane of its own. */
async function applySticker(tx: Tx, ctx: Ctx): Promise<ReactResult> {
  const { request } = ctx.input;
  const remote = ctx.target.conversation.remoteNumber;
  const now = new Date();
  if (request.operation === "add") {
    const id = randomUUID();
    const slot = await lockSlot(tx, ctx, `sticker:${id}`);
    const row = await tx.reaction.create({
      data: {
        ...newReaction(ctx, id, slot.id, slot.sequence + 1, now),
        kind: "sticker",
        sticker: request.sticker as unknown as Prisma.InputJsonValue,
      },
    });
    await record(tx, ctx, slot.id, row, "added", null, now);
    return { outcome: "added", reaction: fullReaction(row, remote), previous: null };
  }
  // Removal takes the given sticker, or the sender's newest on that part.
  const candidate = await tx.reaction.findFirst({
    where: {
      workspaceId: ctx.input.scope.workspaceId,
      messageId: ctx.target.id,
      partIndex: ctx.partIndex,
      sender: ctx.sender,
      kind: "sticker",
      ...(request.reactionId ? { id: request.reactionId } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
  if (!candidate) return { outcome: "noop", reaction: null, previous: null };
  const [slot] = await tx.$queryRaw<{ id: string; sequence: number }[]>`
    SELECT id::text AS id, sequence FROM reaction_slot WHERE id = ${candidate.slotId}::uuid FOR UPDATE`;
  const still = slot && (await tx.reaction.findUnique({ where: { id: candidate.id } }));
  if (!slot || !still) return { outcome: "noop", reaction: null, previous: null };
  await tx.reaction.delete({ where: { id: still.id } });
  const row = { ...still, sequence: slot.sequence + 1, updatedAt: now };
  await record(tx, ctx, slot.id, row, "removed", null, now);
  return { outcome: "removed", reaction: fullReaction(row, remote), previous: null };
}

/**
 * The audit row, the slot's counter, the conversation's version and the webhook events
 * (the outbox of SPEC §4), all in the transaction of the change.
 */
async function record(
  tx: Tx,
  ctx: Ctx,
  slotId: string,
  row: Parameters<typeof fullReaction>[0] & { kind: Kind; sticker: Prisma.JsonValue | null },
  outcome: Exclude<Outcome, "noop">,
  previous: Tapback | null,
  now: Date,
) {
  await tx.reactionSlot.update({ where: { id: slotId }, data: { sequence: row.sequence } });
  await tx.reactionChange.create({
    data: {
      workspaceId: ctx.input.scope.workspaceId,
      slotId,
      reactionId: row.id,
      conversationId: ctx.target.conversationId,
      messageId: ctx.target.id,
      partIndex: ctx.partIndex,
      direction: ctx.input.side === "agent" ? "outbound" : "inbound",
      sender: ctx.sender,
      sequence: row.sequence,
      action: outcome === "added" ? "add" : outcome === "replaced" ? "replace" : "remove",
      kind: row.kind,
      customEmoji: row.customEmoji,
      sticker: row.sticker ?? Prisma.JsonNull,
      previousKind: previous?.kind ?? null,
      previousEmoji: previous?.customEmoji ?? null,
      actorType: ctx.input.actor.type,
      actorId: ctx.input.actor.id,
      createdAt: now,
    },
  });
  await touchConversation(tx, ctx.target.conversationId, now);
  await writeReactionEvents(tx, {
    workspaceId: ctx.input.scope.workspaceId,
    outcome,
    side: ctx.input.side,
    targetDirection: ctx.target.direction,
    sender: ctx.sender,
    reaction: fullReaction(row, ctx.target.conversation.remoteNumber),
    previous,
    at: now,
  });
}
