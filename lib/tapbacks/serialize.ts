import type { Reaction } from "../generated/prisma/client";
import type * as z from "../zod";
import type { StickerInfo } from "./kinds";
import type { compactReactionSchema, reactionSchema } from "./schemas";

/** The full reaction object (docs/concepts.md); its zod schema is the definition. */
export type ReactionObject = z.infer<typeof reactionSchema>;

/** The entry embedded in a message's `reactions` array: no ids implied by the message, no updated_at. */
export type CompactReaction = z.infer<typeof compactReactionSchema>;

type ReactionRow = Pick<
  Reaction,
  | "id"
  | "conversationId"
  | "assignmentId"
  | "messageId"
  | "direction"
  | "kind"
  | "customEmoji"
  | "sticker"
  | "partIndex"
  | "sequence"
  | "createdAt"
  | "updatedAt"
>;

export function compactReaction(row: Omit<ReactionRow, "updatedAt">, remoteNumber: string): CompactReaction {
  return {
    id: row.id,
    direction: row.direction,
    reaction: row.kind,
    custom_emoji: row.customEmoji,
    sticker: (row.sticker as StickerInfo | null) ?? null,
    remote_number: remoteNumber,
    part_index: row.partIndex,
    sequence: row.sequence,
    created_at: row.createdAt.toISOString(),
  };
}

export function fullReaction(row: ReactionRow, remoteNumber: string): ReactionObject {
  const { id, ...rest } = compactReaction(row, remoteNumber);
  return {
    id,
    conversation_id: row.conversationId,
    assignment_id: row.assignmentId,
    target_message_id: row.messageId,
    ...rest,
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Oldest first: created_at, then id, so reactions placed in the same millisecond keep one order. */
export function byAge(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
