import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../db/client";
import type { Prisma } from "../generated/prisma/client";
import { CHANNEL } from "../live/hub";
import { nudgeOutbox } from "../outbox/nudge";
import { reactionEvents } from "../webhooks/events";
import type { Kind } from "./kinds";
import type { Outcome, Tapback } from "./rules";
import { fullReaction } from "./serialize";
import { LeaseError, type SlotKey } from "./slot-lease";

/**
 * The recording of one reaction change, as ONE statement of data-modifying CTEs: the end of
 * the slot's lease, the slot's next sequence, the reaction row (added, replaced or removed),
 * the audit row, the conversation's version with its NOTIFY, and the webhook events with one
 * delivery per subscribed endpoint (the outbox). One statement is one atomic unit on its own:
 * everything commits together or nothing does, with one round trip instead of ten
 * (docs/performance.md). Every write after the lease's is conditioned on the ones before it,
 * so a lost lease (or a sequence that moved, which the lease rules out) records nothing.
 */

/** A reaction row as recorded: what the answer, the audit row and the webhook events are made of. */
export interface RecordedRow {
  id: string;
  conversationId: string;
  assignmentId: string;
  messageId: string;
  partIndex: number;
  direction: "inbound" | "outbound";
  kind: Kind;
  customEmoji: string | null;
  sticker: Prisma.JsonValue | null;
  sequence: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ChangeToRecord {
  workspaceId: string;
  /** The slot: its key (lane included). */
  slot: SlotKey;
  /** The id a slot row gets if this is the slot's first change. */
  newSlotId?: string;
  /** Ends in the same statement (tapbacks); null when a row lock serializes the slot instead (stickers). */
  leaseToken: string | null;
  /** The reaction after the change; for a removal, the one removed, with the removal's sequence. */
  row: RecordedRow;
  outcome: Exclude<Outcome, "noop">;
  previous: Tapback | null;
  side: "agent" | "human";
  /** The direction of the message the reaction sits on. */
  targetDirection: "inbound" | "outbound";
  remoteNumber: string;
  actor: { type: string; id: string };
  at: Date;
}

interface Counts {
  leased: number;
  slotted: number;
  changed: number;
  audited: number;
  notified: number;
  events: number;
}

const ACTION = { added: "add", replaced: "replace", removed: "remove" } as const;

/**
 * Records the change (see above). Throws LeaseError when the lease was lost meanwhile: then
 * nothing of the change was written.
 */
export async function recordChange(db: Db | Tx, change: ChangeToRecord): Promise<void> {
  const { row, slot, at } = change;
  const action = ACTION[change.outcome];
  const now = at.toISOString();
  const reaction = fullReaction(row, change.remoteNumber);
  // The events' bodies are made here; the statement keeps those some enabled endpoint subscribes to.
  const events = reactionEvents({
    workspaceId: change.workspaceId,
    outcome: change.outcome,
    side: change.side,
    targetDirection: change.targetDirection,
    sender: slot.sender,
    reaction,
    previous: change.previous,
    at,
  }).map((event) => {
    const id = randomUUID();
    return { id, type: event.type, body: JSON.stringify({ id, type: event.type, created_at: now, data: event.data }) };
  });
  const sticker = row.sticker == null ? null : JSON.stringify(row.sticker);
  const useLease = change.leaseToken !== null;
  const [counts] = await db.$queryRaw<Counts[]>`/* prepared */
    WITH lease AS (
      DELETE FROM slot_lease
       WHERE ${useLease}::boolean AND message_id = ${slot.messageId}::uuid AND part_index = ${slot.partIndex}::int
         AND sender = ${slot.sender}::text AND lane = ${slot.lane}::text AND token = ${change.leaseToken}::uuid
      RETURNING 1
    ), go AS (
      SELECT 1 AS one WHERE NOT ${useLease}::boolean OR EXISTS (SELECT 1 FROM lease)
    ), slot AS (
      INSERT INTO reaction_slot (id, workspace_id, message_id, part_index, sender, lane, sequence)
      SELECT ${change.newSlotId ?? randomUUID()}::uuid, ${change.workspaceId}::uuid, ${slot.messageId}::uuid,
             ${slot.partIndex}::int, ${slot.sender}::text, ${slot.lane}::text, ${row.sequence}::int
        FROM go
      ON CONFLICT (message_id, part_index, sender, lane) DO UPDATE SET sequence = EXCLUDED.sequence
       WHERE reaction_slot.sequence = EXCLUDED.sequence - 1
      RETURNING id
    ), added AS (
      INSERT INTO reaction (id, workspace_id, slot_id, conversation_id, assignment_id, message_id, part_index,
                            direction, sender, kind, custom_emoji, sticker, sequence, created_at, updated_at)
      SELECT ${row.id}::uuid, ${change.workspaceId}::uuid, slot.id, ${row.conversationId}::uuid,
             ${row.assignmentId}::uuid, ${row.messageId}::uuid, ${row.partIndex}::int,
             ${row.direction}::text::"Direction", ${slot.sender}::text, ${row.kind}::text::"ReactionKind",
             ${row.customEmoji}::text, ${sticker}::jsonb, ${row.sequence}::int,
             (${row.createdAt.toISOString()}::timestamptz AT TIME ZONE 'UTC'), (${now}::timestamptz AT TIME ZONE 'UTC')
        FROM slot WHERE ${action}::text = 'add'
      RETURNING id
    ), replaced AS (
      UPDATE reaction
         SET kind = ${row.kind}::text::"ReactionKind", custom_emoji = ${row.customEmoji}::text,
             sequence = ${row.sequence}::int, updated_at = (${now}::timestamptz AT TIME ZONE 'UTC')
       WHERE ${action}::text = 'replace' AND id = ${row.id}::uuid AND EXISTS (SELECT 1 FROM slot)
      RETURNING id
    ), removed AS (
      DELETE FROM reaction
       WHERE ${action}::text = 'remove' AND id = ${row.id}::uuid AND EXISTS (SELECT 1 FROM slot)
      RETURNING id
    ), changed AS (
      SELECT id FROM added UNION ALL SELECT id FROM replaced UNION ALL SELECT id FROM removed
    ), audit AS (
      INSERT INTO reaction_change (id, workspace_id, slot_id, reaction_id, conversation_id, message_id, part_index,
                                   direction, sender, sequence, action, kind, custom_emoji, sticker,
                                   previous_kind, previous_custom_emoji, actor_type, actor_id, created_at)
      SELECT ${randomUUID()}::uuid, ${change.workspaceId}::uuid, slot.id, changed.id, ${row.conversationId}::uuid,
             ${row.messageId}::uuid, ${row.partIndex}::int,
             ${change.side === "agent" ? "outbound" : "inbound"}::text::"Direction", ${slot.sender}::text,
             ${row.sequence}::int, ${action}::text::"ChangeAction", ${row.kind}::text::"ReactionKind",
             ${row.customEmoji}::text, ${sticker}::jsonb,
             ${change.previous?.kind ?? null}::text::"ReactionKind", ${change.previous?.customEmoji ?? null}::text,
             ${change.actor.type}::text::"ActorType", ${change.actor.id}::text, (${now}::timestamptz AT TIME ZONE 'UTC')
        FROM slot, changed
      RETURNING 1
    ), touched AS (
      UPDATE conversation
         SET version = version + 1,
             last_activity_at = GREATEST(last_activity_at, (${now}::timestamptz AT TIME ZONE 'UTC'))
       WHERE id = ${row.conversationId}::uuid AND EXISTS (SELECT 1 FROM audit)
      RETURNING workspace_id, id
    ), candidate AS (
      SELECT e.id, e.type, e.body
        FROM jsonb_to_recordset(${JSON.stringify(events)}::jsonb) AS e(id uuid, type text, body text)
       WHERE EXISTS (SELECT 1 FROM audit)
    ), events AS (
      INSERT INTO webhook_event (id, workspace_id, type, body, created_at)
      SELECT c.id, ${change.workspaceId}::uuid, c.type, c.body, (${now}::timestamptz AT TIME ZONE 'UTC')
        FROM candidate c
       WHERE EXISTS (SELECT 1 FROM webhook_endpoint w
                      WHERE w.workspace_id = ${change.workspaceId}::uuid AND w.enabled AND c.type = ANY (w.events))
      RETURNING id, type
    ), deliveries AS (
      INSERT INTO webhook_delivery (id, workspace_id, endpoint_id, event_id, next_attempt_at, created_at)
      SELECT gen_random_uuid(), ${change.workspaceId}::uuid, w.id, events.id,
             (${now}::timestamptz AT TIME ZONE 'UTC'), (${now}::timestamptz AT TIME ZONE 'UTC')
        FROM events JOIN webhook_endpoint w
          ON w.workspace_id = ${change.workspaceId}::uuid AND w.enabled AND events.type = ANY (w.events)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM lease)::int AS leased,
           (SELECT count(*) FROM slot)::int AS slotted,
           (SELECT count(*) FROM changed)::int AS changed,
           (SELECT count(*) FROM audit)::int AS audited,
           (SELECT count(pg_notify(${CHANNEL}::text, 'c ' || workspace_id || ' ' || id)) FROM touched)::int AS notified,
           ((SELECT count(*) FROM events) + 0 * (SELECT count(*) FROM deliveries))::int AS events`;
  if (!counts) throw new Error("the change's recording answered nothing");
  if (useLease && counts.leased !== 1) {
    throw new LeaseError("the lease on this reaction expired while its change was in progress");
  }
  if (counts.slotted !== 1 || counts.changed !== 1 || counts.audited !== 1 || counts.notified !== 1) {
    // Under the lease (or the slot's row lock) no one else changes the slot: this is a bug, not a race.
    throw new Error(
      `the reaction change could not be recorded as decided (slot ${counts.slotted}, reaction ${counts.changed}, audit ${counts.audited}, version ${counts.notified})`,
    );
  }
  // As writeEvents does: wake this process's webhook worker for the new deliveries.
  if (counts.events > 0) nudgeOutbox("webhooks");
}
