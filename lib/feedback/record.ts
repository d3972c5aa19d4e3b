import { randomUUID } from "node:crypto";
import type { Tx } from "../db/client";
import { Prisma } from "../generated/prisma/client";
import { nudgeOutbox } from "../outbox/nudge";
import { COUNTERS, type Counter, counterDelta, type PartFeedback, partFeedback } from "../tapbacks/feedback";
import type { Kind, StickerInfo } from "../tapbacks/kinds";
import { scoreId, scoreState } from "./langfuse";

/**
 * Keeps the feedback read model true in the transaction of every change of a human's reaction
 * on an agent's message (docs/decisions.md, "Feedback: counters kept in the change's
 * transaction"): the part's row (its live label, what it came from, how many changes), the
 * agent's daily counters, and — when the agent forwards feedback — the score's outbox row.
 * The tapback service calls it from `record`; it recomputes the part from the live rows, so
 * it is right whatever the change was (a tapback, a sticker, a removal).
 */

export interface HumanChange {
  workspaceId: string;
  agentId: string;
  conversationId: string;
  messageId: string;
  partIndex: number;
  /** The human's number: the sender of their reactions. */
  sender: string;
  /** The changed slot's sequence after the change. */
  sequence: number;
}

interface PartRow {
  kind: Kind | null;
  sent_at: Date;
  changes: number;
  trace_id: string | null;
}

const COLUMN: Record<Counter, Prisma.Sql> = Object.fromEntries(
  COUNTERS.map((c) => [c, Prisma.raw(`"${c}"`)]),
) as Record<Counter, Prisma.Sql>;

export async function recordFeedback(tx: Tx, change: HumanChange): Promise<void> {
  const { messageId, partIndex } = change;
  await tx.$executeRaw`
    INSERT INTO feedback_part (message_id, part_index, workspace_id, agent_id, conversation_id, sent_at)
    SELECT m.id, ${partIndex}::int, m.workspace_id, ${change.agentId}::uuid, m.conversation_id, m.created_at
      FROM message m WHERE m.id = ${messageId}::uuid
    ON CONFLICT (message_id, part_index) DO NOTHING`;
  // The row lock orders concurrent changes of one part's different slots (a tapback, a sticker).
  const [part] = await tx.$queryRaw<PartRow[]>`
    SELECT f.kind::text AS kind, f.sent_at, f.changes, m.trace_id
      FROM feedback_part f JOIN message m ON m.id = f.message_id
     WHERE f.message_id = ${messageId}::uuid AND f.part_index = ${partIndex}::int
       FOR UPDATE OF f`;
  if (!part) throw new Error("feedback part vanished while locking it");
  const live = await tx.reaction.findMany({
    where: { messageId, partIndex, sender: change.sender, direction: "inbound" },
    select: { id: true, kind: true, customEmoji: true, sticker: true, updatedAt: true },
  });
  const after = partFeedback(
    live.map((r) => ({
      id: r.id,
      kind: r.kind,
      customEmoji: r.customEmoji,
      sticker: r.sticker as unknown as StickerInfo | null,
      at: r.updatedAt,
    })),
  );
  await tx.$executeRaw`
    UPDATE feedback_part
       SET label = ${after?.label ?? null}, kind = ${after?.kind ?? null}::"ReactionKind",
           custom_emoji = ${after?.customEmoji ?? null}, sticker = ${after?.sticker ? JSON.stringify(after.sticker) : null}::jsonb,
           reacted_at = ${after?.at.toISOString() ?? null}::timestamptz AT TIME ZONE 'UTC', changes = changes + 1
     WHERE message_id = ${messageId}::uuid AND part_index = ${partIndex}::int`;

  const delta = Object.entries(counterDelta(part.kind ? { kind: part.kind } : null, after)) as [Counter, number][];
  if (delta.length > 0) {
    const day = part.sent_at.toISOString().slice(0, 10);
    const columns = Prisma.join(delta.map(([c]) => COLUMN[c]));
    const values = Prisma.join(delta.map(([, n]) => Prisma.sql`${n}::int`));
    const sets = Prisma.join(
      delta.map(([c]) => Prisma.sql`${COLUMN[c]} = feedback_daily.${COLUMN[c]} + EXCLUDED.${COLUMN[c]}`),
    );
    await tx.$executeRaw`
      INSERT INTO feedback_daily (agent_id, day, workspace_id, ${columns})
      VALUES (${change.agentId}::uuid, ${day}::date, ${change.workspaceId}::uuid, ${values})
      ON CONFLICT (agent_id, day) DO UPDATE SET ${sets}`;
  }

  if (part.trace_id) await queueScore(tx, change, part.trace_id, after);
}

/**
 * The score's latest state into its outbox row, when the agent has a destination. A change
 * while an attempt is in flight leaves the claim in place: the worker sends the new state once
 * that attempt is recorded, never both at once, so the slot's order holds at Langfuse.
 */
async function queueScore(tx: Tx, change: HumanChange, traceId: string, after: PartFeedback | null) {
  const destination = await tx.feedbackDestination.findUnique({
    where: { agentId: change.agentId },
    select: { kind: true },
  });
  if (!destination) return;
  const state = scoreState(
    {
      messageId: change.messageId,
      partIndex: change.partIndex,
      conversationId: change.conversationId,
      sequence: change.sequence,
      traceId,
    },
    after,
  );
  if (state.operation === "delete") {
    const existing = await tx.scoreDelivery.findUnique({
      where: { messageId_partIndex: { messageId: change.messageId, partIndex: change.partIndex } },
      select: { id: true },
    });
    // Never scored: there is nothing at Langfuse to delete.
    if (!existing) return;
  }
  await tx.$executeRaw`
    INSERT INTO score_delivery (id, workspace_id, agent_id, message_id, part_index, score_id, operation, body,
                                sequence, next_attempt_at, updated_at)
    VALUES (${randomUUID()}::uuid, ${change.workspaceId}::uuid, ${change.agentId}::uuid, ${change.messageId}::uuid,
            ${change.partIndex}::int, ${scoreId(change.messageId, change.partIndex)}, ${state.operation}, ${state.body},
            ${change.sequence}::int, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'))
    ON CONFLICT (message_id, part_index) DO UPDATE
       SET operation = EXCLUDED.operation, body = EXCLUDED.body, sequence = EXCLUDED.sequence,
           version = score_delivery.version + 1, status = 'pending', failures = 0,
           next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at`;
  nudgeOutbox("scores");
}
