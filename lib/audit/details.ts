import type { Db } from "../db/client";
import { getMessage } from "../messages/service";
import type { Scope } from "../scope";
import type { StickerInfo } from "../tapbacks/kinds";
import type { CompactReaction } from "../tapbacks/serialize";
import { listReactionChanges, MAX_CHANGES_PAGE } from "./reaction-changes";
import type { ReactionChangeObject } from "./schemas";

/**
 * What the dashboard's "Message details" panel shows: each part's live reactions with who
 * placed each (the actor of the slot's latest change), and each slot's history.
 */
export interface DetailsActor {
  type: string;
  id: string | null;
  name: string | null;
}

export interface DetailsReaction {
  id: string;
  kind: string;
  customEmoji: string | null;
  sticker: StickerInfo | null;
  direction: "inbound" | "outbound";
  createdAt: string;
  sequence: number;
  placedBy: DetailsActor | null;
}

export interface DetailsChange {
  id: string;
  sequence: number;
  action: "add" | "replace" | "remove";
  kind: string;
  customEmoji: string | null;
  previousKind: string | null;
  previousEmoji: string | null;
  actor: DetailsActor;
  createdAt: string;
}

export interface DetailsSlot {
  id: string;
  direction: "inbound" | "outbound";
  sticker: boolean;
  changes: DetailsChange[];
}

export interface MessageDetails {
  id: string;
  direction: "inbound" | "outbound";
  createdAt: string;
  parts: { index: number; summary: string; reactions: DetailsReaction[]; slots: DetailsSlot[] }[];
  /** True when the trail is longer than the panel shows (the API has all of it). */
  truncated: boolean;
}

/** At most this many changes in the panel; the API pages through any number. */
const PANEL_PAGES = 5;

export async function messageDetails(db: Db, scope: Scope, messageId: string): Promise<MessageDetails> {
  const message = await getMessage(db, scope, messageId);
  const changes: ReactionChangeObject[] = [];
  let cursor: string | undefined;
  let truncated = false;
  for (let page = 0; ; page++) {
    if (page === PANEL_PAGES) {
      truncated = true;
      break;
    }
    const next = await listReactionChanges(db, scope, messageId, { cursor, limit: MAX_CHANGES_PAGE });
    changes.push(...next.data);
    if (!next.next_cursor) break;
    cursor = next.next_cursor;
  }
  const latestOf = new Map<string, ReactionChangeObject>();
  for (const c of changes) latestOf.set(c.reaction_id, c);
  return {
    id: message.id,
    direction: message.direction,
    createdAt: message.created_at,
    truncated,
    parts: message.parts.map((p) => {
      const slots = new Map<string, DetailsSlot>();
      for (const c of changes.filter((c) => c.part_index === p.index)) {
        const slot = slots.get(c.slot_id) ?? {
          id: c.slot_id,
          direction: c.direction,
          sticker: c.reaction === "sticker",
          changes: [],
        };
        slot.changes.push({
          id: c.id,
          sequence: c.sequence,
          action: c.action,
          kind: c.reaction,
          customEmoji: c.custom_emoji,
          previousKind: c.previous?.reaction ?? null,
          previousEmoji: c.previous?.custom_emoji ?? null,
          actor: c.actor,
          createdAt: c.created_at,
        });
        slots.set(c.slot_id, slot);
      }
      return {
        index: p.index,
        summary: p.type === "text" ? (p.text ?? "") : `Attachment: ${p.attachment?.file_name ?? ""}`,
        reactions: message.reactions
          .filter((r) => r.part_index === p.index)
          .map((r) => detailsReaction(r, latestOf.get(r.id)?.actor ?? null)),
        slots: [...slots.values()],
      };
    }),
  };
}

/** One live reaction of the panel; `placedBy` is the actor of its slot's latest change. */
function detailsReaction(r: CompactReaction, placedBy: DetailsActor | null): DetailsReaction {
  return {
    id: r.id,
    kind: r.reaction,
    customEmoji: r.custom_emoji,
    sticker: r.sticker,
    direction: r.direction,
    createdAt: r.created_at,
    sequence: r.sequence,
    placedBy,
  };
}
