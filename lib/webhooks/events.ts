import { randomUUID } from "node:crypto";
import type { Tx } from "../db/client";
import { nudgeOutbox } from "../outbox/nudge";
import type { StickerInfo } from "../tapbacks/kinds";
import { eventTypesFor } from "../tapbacks/rules";
import type { ReactionObject } from "../tapbacks/serialize";
import type { EventType } from "./event-types";

/**
 * The outbox (docs/webhooks.md): the events a reaction change causes are written by the tapback
 * service inside the transaction of the change itself, one delivery row per subscribed
 * endpoint. If the transaction commits, the events exist; if it rolls back, they never did.
 */

export { EVENT_TYPES, type EventType } from "./event-types";

/** The `data` of reaction.added and reaction.removed. */
export interface ReactionEventData {
  reaction: ReactionObject;
  reaction_type: string;
  custom_emoji: string | null;
  sticker: StickerInfo | null;
  message_id: string;
  part_index: number;
  direction: "inbound" | "outbound";
  sender: { handle: string; is_me: boolean };
  previous: { reaction_type: string; custom_emoji: string | null } | null;
  sequence: number;
}

export interface EventBody<T = unknown> {
  id: string;
  type: EventType;
  created_at: string;
  data: T;
}

export interface ReactionChangeFacts {
  workspaceId: string;
  outcome: "added" | "replaced" | "removed";
  /** Who changed the slot: the agent (API key or operator) or the human. */
  side: "agent" | "human";
  /** The direction of the message the reaction sits on. */
  targetDirection: "inbound" | "outbound";
  sender: string;
  /** After the change; for a removal, the reaction that was taken away (with the removal's sequence). */
  reaction: ReactionObject;
  previous: { kind: string; customEmoji: string | null } | null;
  at: Date;
}

/** The events one change fires (which ones: `eventTypesFor`), with their bodies. */
export function reactionEvents(change: ReactionChangeFacts): { type: EventType; data: unknown }[] {
  const r = change.reaction;
  const data: ReactionEventData = {
    reaction: r,
    reaction_type: r.reaction,
    custom_emoji: r.custom_emoji,
    sticker: r.sticker,
    message_id: r.target_message_id,
    part_index: r.part_index,
    direction: r.direction,
    sender: { handle: change.sender, is_me: change.side === "agent" },
    previous:
      change.outcome === "replaced" && change.previous
        ? { reaction_type: change.previous.kind, custom_emoji: change.previous.customEmoji }
        : null,
    sequence: r.sequence,
  };
  return eventTypesFor(change.outcome, change.side, change.targetDirection).map((type) => ({
    type,
    // imessage.reaction_received carries the full reaction object; the others the change.
    data: type === "imessage.reaction_received" ? r : data,
  }));
}

export async function writeEvents(
  tx: Tx,
  workspaceId: string,
  events: { type: EventType; data: unknown }[],
  at: Date,
): Promise<void> {
  const endpoints = await tx.webhookEndpoint.findMany({
    where: { workspaceId, enabled: true },
    select: { id: true, events: true },
  });
  if (endpoints.length === 0) return;
  const rows: { id: string; workspaceId: string; type: EventType; body: string; createdAt: Date }[] = [];
  const deliveries: { workspaceId: string; endpointId: string; eventId: string; nextAttemptAt: Date }[] = [];
  for (const event of events) {
    const subscribers = endpoints.filter((e) => e.events.includes(event.type));
    if (subscribers.length === 0) continue;
    const id = randomUUID();
    const body: EventBody = { id, type: event.type, created_at: at.toISOString(), data: event.data };
    rows.push({ id, workspaceId, type: event.type, body: JSON.stringify(body), createdAt: at });
    for (const endpoint of subscribers) {
      deliveries.push({ workspaceId, endpointId: endpoint.id, eventId: id, nextAttemptAt: at });
    }
  }
  if (rows.length === 0) return;
  await tx.webhookEvent.createMany({ data: rows });
  await tx.webhookDelivery.createMany({ data: deliveries });
  // Before the commit: on PGlite the woken worker's query queues behind this transaction;
  // on PostgreSQL it may run too early and the next poll picks the delivery up.
  nudgeOutbox("webhooks");
}
