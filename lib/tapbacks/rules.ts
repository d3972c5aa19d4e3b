import type { EventType } from "../webhooks/event-types";
import { CLASSIC, type Classic, type Kind, type StickerInfo, type TapbackKind } from "./kinds";

/**
 * Apple's tapback rules, all of them, as pure functions. Nothing here touches a database or
 * the network: the service (service.ts) applies what these decide, the API and the dashboard
 * validate with them, the dashboard's optimistic update calls `decide` too, and the bridges
 * read and write tapbacks in Apple's encoding with the functions at the end of this file.
 * The reasons are in docs/tapback-rules.md; the vocabulary (the kinds, their labels) is kinds.ts.
 *
 * The rules:
 * 1. One live tapback per sender per message part: classic and custom reactions share that
 *    slot, and a new one replaces the previous one in place (same id, same created_at).
 * 2. Sending the tapback that is already live is a no-op: no event, no upstream call.
 * 3. Removing takes the slot's live tapback away; removing when nothing is live is a no-op.
 *    A later tapback on the slot is a new reaction, and the slot's sequence continues.
 * 4. Stickers are not tapbacks: each has a lane of its own, never replacing or replaced.
 * 5. Any message can be a target, the human's or the agent's own.
 * 6. The agent sends the classic six everywhere; custom emoji only when its agent has
 *    custom_emoji_sends on and its upstream can deliver them; stickers never. The human may
 *    send anything.
 * 7. Every change of a slot takes the slot's next sequence number (1, 2, 3 …).
 * 8. A custom emoji tapback carries exactly one emoji (see `isSingleEmoji`).
 * 9. Apple's encoding: how iMessage stores a tapback, its kind, its target and its part
 *    (see `appleTapbackType`, `appleTapbackName`, `tapbackTarget`, `emojiFromText`).
 */

/** One of the classic six (love, like, dislike, laugh, emphasize, question). */
export function isClassic(value: unknown): value is Classic {
  return typeof value === "string" && (CLASSIC as readonly string[]).includes(value);
}

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
// Every code point must belong to emoji sequences (digits, ZWJ, selectors, skin tones and
// tags are Emoji_Component): a letter or an accent inside the cluster ("a" + U+20E3, "😀" + U+0301) is text.
const EMOJI_CODE_POINTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\uFE0E)+$/u;

/** Rule 8: exactly one grapheme cluster, and that one an emoji (flags, ZWJ sequences, keycaps…). */
export function isSingleEmoji(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > 64) return false;
  const graphemes = [...segmenter.segment(value)];
  return graphemes.length === 1 && PICTOGRAPHIC.test(value) && EMOJI_CODE_POINTS.test(value);
}

/** One request vocabulary for every caller: the API, the dashboard, the sandbox, the bridge. */
export type ReactionRequest =
  | { operation: "add"; kind: Kind; customEmoji?: string | null; sticker?: StickerInfo | null }
  /**
   * Without `kind`: whatever is live. With `kind` (the operation form's `type`): only when the
   * live tapback is that one; `custom` without an emoji matches any custom emoji.
   * With `reactionId` (DELETE /reactions/{id}): only when that reaction is the live one.
   */
  | { operation: "remove"; kind?: Kind; customEmoji?: string | null; reactionId?: string };

export interface Tapback {
  kind: TapbackKind;
  customEmoji: string | null;
}

/** What is live in a tapback slot; `id` when the caller knows it (removal by id). */
export type LiveTapback = Tapback & { id?: string };

export type Decision =
  | { action: "add"; next: Tapback }
  | { action: "replace"; previous: Tapback; next: Tapback }
  | { action: "remove"; previous: Tapback }
  | { action: "noop" };

export type Side = "agent" | "human";
export type Outcome = "added" | "replaced" | "removed" | "noop";

/** Stickers get a lane each (rule 4); everything else shares the sender's tapback lane. */
export const TAPBACK_LANE = "tapback";
export function isStickerRequest(request: ReactionRequest): boolean {
  return request.kind === "sticker";
}
export function stickerLane(reactionId: string): string {
  return `sticker:${reactionId}`;
}

export function sameTapback(a: Tapback, b: Tapback): boolean {
  return a.kind === b.kind && (a.kind !== "custom" || a.customEmoji === b.customEmoji);
}

function normalize(kind: TapbackKind, customEmoji: string | null | undefined): Tapback {
  return { kind, customEmoji: kind === "custom" ? (customEmoji ?? null) : null };
}

function matches(live: LiveTapback, request: Extract<ReactionRequest, { operation: "remove" }>): boolean {
  if (request.reactionId !== undefined && live.id !== request.reactionId) return false;
  if (request.kind === undefined) return true;
  if (live.kind !== request.kind) return false;
  return live.kind !== "custom" || !request.customEmoji || request.customEmoji === live.customEmoji;
}

/** Rules 1–3 on one tapback slot. Sticker requests never reach this (see `isStickerRequest`). */
export function decide(live: LiveTapback | null, request: ReactionRequest): Decision {
  if (request.kind === "sticker") throw new Error("stickers have lanes of their own; use decideSticker");
  if (request.operation === "add") {
    const next = normalize(request.kind, request.customEmoji);
    if (!live) return { action: "add", next };
    const current = normalize(live.kind, live.customEmoji);
    if (sameTapback(current, next)) return { action: "noop" };
    return { action: "replace", previous: current, next };
  }
  if (!live || !matches(live, request)) return { action: "noop" };
  return { action: "remove", previous: normalize(live.kind, live.customEmoji) };
}

export type StickerDecision = { action: "add" } | { action: "remove"; id: string } | { action: "noop" };

/**
 * Rule 4: a sticker is always added beside the others; a removal takes the one named by
 * `reactionId`, else the sender's newest on that part. `stickers` are the sender's live
 * stickers on the part, newest first.
 */
export function decideSticker(stickers: readonly { id: string }[], request: ReactionRequest): StickerDecision {
  if (request.operation === "add") return { action: "add" };
  const taken = request.reactionId ? stickers.find((s) => s.id === request.reactionId) : stickers[0];
  return taken ? { action: "remove", id: taken.id } : { action: "noop" };
}

/** The dashboard's picker: picking the live tapback removes it, any other replaces it. */
export function toggle(live: Tapback | null, picked: Tapback): ReactionRequest {
  return live && sameTapback(live, picked)
    ? { operation: "remove", kind: picked.kind, customEmoji: picked.customEmoji }
    : { operation: "add", kind: picked.kind, customEmoji: picked.customEmoji };
}

/** What a request must carry before anything is looked up; `null` when it is well formed. */
export function requestProblem(
  side: Side,
  request: ReactionRequest,
): { code: "invalid_reaction" | "validation_failed"; sentence: string; field?: string } | null {
  if (request.operation !== "add") return null;
  if (request.kind === "custom" && !isSingleEmoji(request.customEmoji)) {
    return { code: "invalid_reaction", sentence: "custom_emoji must be exactly one emoji." };
  }
  // The agent's sticker is refused later, as not sendable, in the error table's order.
  if (side === "human" && request.kind === "sticker" && !request.sticker) {
    return { code: "validation_failed", sentence: "A sticker reaction needs its sticker.", field: "sticker" };
  }
  return null;
}

/** What an upstream can deliver beyond the classic six. */
export interface UpstreamCapabilities {
  name: string;
  customEmoji: boolean;
}

/**
 * Rule 6: why the agent may not send this kind, as a sentence; `null` when it may.
 * Only additions are checked: taking one's own tapback away is always possible.
 */
export function agentSendRefusal(
  request: ReactionRequest,
  agent: { customEmojiSends: boolean },
  upstream: UpstreamCapabilities,
): string | null {
  if (request.operation !== "add") return null;
  if (request.kind === "sticker") return "Stickers cannot be sent; only people place stickers.";
  if (request.kind !== "custom") return null;
  if (!upstream.customEmoji) {
    return `This agent's ${upstream.name} bridge cannot send custom emoji tapbacks; send one of the classic six.`;
  }
  if (!agent.customEmojiSends) {
    return "This agent does not send custom emoji (custom_emoji_sends is off); send one of the classic six.";
  }
  return null;
}

/**
 * Which webhook events a change fires: the agent hears of the human's additions and
 * replacements on the agent's own messages; every addition or replacement is
 * `reaction.added`, every removal `reaction.removed`; no-ops fire nothing.
 */
export function eventTypesFor(outcome: Outcome, side: Side, targetDirection: "inbound" | "outbound"): EventType[] {
  if (outcome === "noop") return [];
  if (outcome === "removed") return ["reaction.removed"];
  return side === "human" && targetDirection === "outbound"
    ? ["imessage.reaction_received", "reaction.added"]
    : ["reaction.added"];
}

/** The outcome a decision has once applied. */
export function outcomeOf(decision: Decision | StickerDecision): Outcome {
  switch (decision.action) {
    case "add":
      return "added";
    case "replace":
      return "replaced";
    case "remove":
      return "removed";
    default:
      return "noop";
  }
}

// ---------------------------------------------------------------------------------------
// Rule 9: Apple's encoding. In iMessage a tapback is a message of its own that points at its
// target; whatever bridge reads or writes it, these are Apple's conventions:
// - its associated message type says what it does: 2000–2005 add the classic six in
//   CLASSIC's order (love, like, dislike, laugh, emphasize, question), 2006 a custom emoji,
//   2007 a sticker; 3000–3007 remove the same. 1000 is a sticker placed on a message.
//   The classic six also go by name: `love` adds, `-love` removes; `sticker` is 1000.
// - its associated message guid names the target and the part: `p:N/GUID` is part N,
//   `bp:GUID` (a balloon) and a bare GUID are part 0.
// - an emoji tapback's text reads `Reacted 🎉 to “…”` (`Removed 🎉 from …`), for devices
//   that cannot draw it.

/** What an associated message type does. */
export interface AppleTapbackType {
  operation: "add" | "remove";
  kind: Kind;
}

const ADDS = 2000;
const REMOVES = 3000;
const STICKER_PLACED = 1000;
/** Apple's order after 2000 and 3000: the classic six, then custom emoji, then sticker. */
const APPLE_ORDER: readonly Kind[] = [...CLASSIC, "custom", "sticker"];

const APPLE_TYPES = new Map<string, AppleTapbackType>([
  [String(STICKER_PLACED), { operation: "add", kind: "sticker" }],
  ["sticker", { operation: "add", kind: "sticker" }],
]);
APPLE_ORDER.forEach((kind, i) => {
  APPLE_TYPES.set(String(ADDS + i), { operation: "add", kind });
  APPLE_TYPES.set(String(REMOVES + i), { operation: "remove", kind });
});
for (const kind of CLASSIC) {
  APPLE_TYPES.set(appleTapbackName("add", kind), { operation: "add", kind });
  APPLE_TYPES.set(appleTapbackName("remove", kind), { operation: "remove", kind });
}

/**
 * An associated message type, as a number or as text ("2006", 2006, "love", "-love"); null
 * when it is not a tapback (0, a reply, anything unknown).
 */
export function appleTapbackType(value: unknown): AppleTapbackType | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  return APPLE_TYPES.get(String(value).trim()) ?? null;
}

/** A classic tapback by name: `love` places it, `-love` takes it away. */
export type AppleTapbackName = Classic | `-${Classic}`;

export function appleTapbackName(operation: "add" | "remove", kind: Classic): AppleTapbackName {
  return operation === "remove" ? `-${kind}` : kind;
}

/** The target of a tapback from its associated message guid: `p:N/GUID`, `bp:GUID`, or a bare GUID. */
export function tapbackTarget(associatedMessageGuid: string): { guid: string; partIndex: number } | null {
  const part = /^p:(\d{1,4})\/(.+)$/.exec(associatedMessageGuid);
  if (part) return { guid: part[2]!, partIndex: Number(part[1]) };
  const balloon = /^bp:(.+)$/.exec(associatedMessageGuid);
  if (balloon) return { guid: balloon[1]!, partIndex: 0 };
  if (/^[^\s/:]+$/.test(associatedMessageGuid)) return { guid: associatedMessageGuid, partIndex: 0 };
  return null;
}

/**
 * The emoji of an emoji tapback from its text, e.g. `Reacted 🎉 to “Hello”` (also
 * `Removed 🎉 from …`), where the emoji itself is not given.
 */
export function emojiFromText(text: string | null | undefined): string | null {
  const m = /^(?:Reacted|Removed)\s+(?:an?\s+)?(\S+)\s+(?:to|from)\b/u.exec(text?.trim() ?? "");
  if (!m) return null;
  const first = [...segmenter.segment(m[1]!)][0]?.segment ?? "";
  return isSingleEmoji(first) ? first : null;
}
