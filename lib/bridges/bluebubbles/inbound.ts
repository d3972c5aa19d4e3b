import type { Kind } from "../../tapbacks/kinds";
import { appleTapbackType, emojiFromText, isSingleEmoji, tapbackTarget } from "../../tapbacks/rules";
import { isSafeText } from "../../zod";
import { type BbAttachment, type BbMessage, bbMessage, bbWebhookBody } from "./schemas";

/**
 * What BlueBubbles tells Tapdesk, turned into Tapdesk's vocabulary. Pure functions: no I/O,
 * no throwing on bad input (a webhook body is untrusted; junk is a validation result).
 * How a tapback is encoded (its associated message type and guid, its text) is Apple's, and
 * read with the rules (lib/tapbacks/rules.ts); what is here is how BlueBubbles carries it.
 */

// ---------------------------------------------------------------------------------------
// Webhooks

export type WebhookHint =
  | { ok: true; type: "new-message" | "updated-message"; guid: string; tempGuid?: string }
  | { ok: true; type: "other"; event: string }
  | { ok: false; sentence: string; field?: string };

/**
 * A webhook POST body `{type, data}` as a hint. For message events only the guid matters:
 * the body is unsigned, so the message is always re-read from the bridge before anything
 * is applied.
 */
export function parseWebhook(body: unknown): WebhookHint {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, sentence: "The webhook body is not JSON." };
    }
  }
  const parsed = bbWebhookBody.safeParse(value);
  if (!parsed.success) return { ok: false, sentence: "The webhook body must be an object with a type." };
  const { type, data } = parsed.data;
  if (type !== "new-message" && type !== "updated-message") return { ok: true, type: "other", event: type };
  const guid = (data as { guid?: unknown } | null | undefined)?.guid;
  if (typeof guid !== "string" || guid.length === 0 || guid.length > 200) {
    return { ok: false, sentence: `A ${type} webhook must carry data.guid.`, field: "data.guid" };
  }
  if (!isSafeText(guid)) {
    return { ok: false, sentence: "data.guid must not contain NUL characters or invalid Unicode.", field: "data.guid" };
  }
  // The echo of a send carries the tempGuid the send named it with: an unknown outcome settles on it.
  const tempGuid = (data as { tempGuid?: unknown }).tempGuid;
  const temp = typeof tempGuid === "string" && tempGuid.length > 0 && tempGuid.length <= 200 && isSafeText(tempGuid);
  return { ok: true, type, guid, ...(temp ? { tempGuid } : {}) };
}

// ---------------------------------------------------------------------------------------
// Chats

export interface ChatIdentity {
  /** `iMessage`, `SMS`, `any` (macOS 15+), `RCS` … */
  service: string;
  group: boolean;
  /** The other side's address for a one-to-one chat; the chat identifier for a group. */
  address: string;
  /** Same for every service prefix of one chat: compare chats by this. */
  key: string;
}

const CHAT_GUID = /^([A-Za-z]+);([-+]);(.+)$/;

/**
 * A chat guid is `<service>;-;<address>` (one-to-one) or `<service>;+;<id>` (group). The
 * service prefix changes with the Mac's version and the route Apple picked, so
 * `iMessage;-;+1555…`, `any;-;+1555…` and `SMS;-;+1555…` are one chat.
 */
export function chatIdentity(chatGuid: string): ChatIdentity | null {
  const m = CHAT_GUID.exec(chatGuid.trim());
  if (!m) return null;
  const [, service, sep, rest] = m as unknown as [string, string, string, string];
  const group = sep === "+";
  const address = rest.includes("@") ? rest.toLowerCase() : rest;
  return { service, group, address, key: `${group ? "group" : "direct"}:${address}` };
}

/** The guid Tapdesk uses for a person it has not heard from yet. */
export function defaultChatGuid(address: string): string {
  return `iMessage;-;${address}`;
}

// ---------------------------------------------------------------------------------------
// Messages

export type MessagePart = { text: string } | { attachment: { guid: string; mime_type: string; file_name: string } };

export interface StickerRef {
  attachmentGuid: string;
  mime_type: string;
  file_name: string;
  width: number;
  height: number;
}

interface Common {
  guid: string;
  chatGuid: string;
  /** The human's address (the chat's other side), whoever sent this. */
  remote: string;
  isFromMe: boolean;
  /** When the Mac recorded it (dateCreated), and its row there: the phone's order. */
  at: Date;
  rowid: number | null;
}

export type Interpreted =
  | (Common & {
      kind: "message";
      parts: MessagePart[];
      /** Present on the bridge's echo of a message Tapdesk sent with this tempGuid. */
      tempGuid?: string;
    })
  | (Common & {
      kind: "reaction";
      targetGuid: string;
      partIndex: number;
      operation: "add" | "remove";
      reaction: Kind;
      customEmoji?: string;
      sticker?: StickerRef;
    })
  | { kind: "ignore"; guid?: string; reason: string };

/**
 * One message as BlueBubbles serializes it (read with chats and attachments) → a plain
 * message, a tapback/sticker change, or a reason to ignore it.
 */
export function interpret(input: unknown): Interpreted {
  const parsed = bbMessage.safeParse(input);
  if (!parsed.success) return { kind: "ignore", reason: "Not a BlueBubbles message." };
  const msg = parsed.data;
  const guid = msg.guid;
  const chat = msg.chats?.[0];
  if (!chat) return { kind: "ignore", guid, reason: "The message carries no chat (read it with chats)." };
  const identity = chatIdentity(chat.guid);
  if (!identity) return { kind: "ignore", guid, reason: "The chat guid is not one BlueBubbles uses." };
  if (identity.group || chat.style === 43) return { kind: "ignore", guid, reason: "Group chats are not supported." };
  if ((msg.itemType ?? 0) !== 0) return { kind: "ignore", guid, reason: "A chat event, not a message." };
  if (msg.isFromMe && (msg.error ?? 0) !== 0) {
    return { kind: "ignore", guid, reason: "A send that Messages.app recorded as failed." };
  }
  const common: Common = {
    guid,
    chatGuid: chat.guid,
    remote: identity.address,
    isFromMe: msg.isFromMe,
    at: new Date(msg.dateCreated ?? Date.now()),
    rowid: msg.originalROWID ?? null,
  };

  const type = msg.associatedMessageType;
  if (type !== null && type !== undefined && String(type) !== "" && String(type) !== "0") {
    return reaction(msg, common, type);
  }

  const parts = partsOf(msg);
  if (parts.length === 0) return { kind: "ignore", guid, reason: "The message has no text or attachment." };
  return { kind: "message", ...common, parts, ...(msg.tempGuid ? { tempGuid: msg.tempGuid } : {}) };
}

function reaction(msg: BbMessage, common: Common, type: string | number): Interpreted {
  const guid = msg.guid;
  const tapback = appleTapbackType(type);
  if (!tapback) return { kind: "ignore", guid, reason: `Associated message type ${String(type)} is not a tapback.` };
  const target = msg.associatedMessageGuid ? tapbackTarget(msg.associatedMessageGuid) : null;
  if (!target) return { kind: "ignore", guid, reason: "The tapback names no target message." };
  const base = {
    kind: "reaction" as const,
    ...common,
    targetGuid: target.guid,
    partIndex: target.partIndex,
    operation: tapback.operation,
    reaction: tapback.kind,
  };

  if (base.reaction === "custom") {
    const field = msg.associatedMessageEmoji?.trim();
    const emoji = field && isSingleEmoji(field) ? field : emojiFromText(msg.text);
    if (emoji) return { ...base, customEmoji: emoji };
    if (base.operation === "remove") return base;
    return { kind: "ignore", guid, reason: "An emoji tapback without a readable emoji." };
  }
  if (base.reaction === "sticker") {
    const attachment = msg.attachments?.[0];
    if (attachment) return { ...base, sticker: stickerOf(attachment) };
    if (base.operation === "remove") return base;
    return { kind: "ignore", guid, reason: "A sticker without its image (read it with attachments)." };
  }
  return base;
}

function stickerOf(a: BbAttachment): StickerRef {
  return {
    attachmentGuid: a.guid,
    mime_type: a.mimeType || "application/octet-stream",
    file_name: a.transferName || a.guid,
    width: Math.max(0, Math.round(a.width ?? 0)),
    height: Math.max(0, Math.round(a.height ?? 0)),
  };
}

function attachmentPart(a: BbAttachment): MessagePart {
  return {
    attachment: {
      guid: a.guid,
      mime_type: a.mimeType || "application/octet-stream",
      file_name: a.transferName || a.guid,
    },
  };
}

const PART = "__kIMMessagePartAttributeName";
const FILE = "__kIMFileTransferGUIDAttributeName";
const OBJECT_CHAR = "\uFFFC";
/** Far beyond any real message: a part number past it is junk, not a reason to fill parts up to it. */
const MAX_PART = 100;

/**
 * The message's parts in iMessage's numbering. The attributed body (read with
 * `with=attributedBody`) names each run's part and, for attachments, the file; without it the
 * attachments come first and the text last, which is how an iPhone numbers a photo with a
 * caption.
 */
function partsOf(msg: BbMessage): MessagePart[] {
  const attachments = msg.attachments ?? [];
  const byGuid = new Map(attachments.map((a) => [a.guid, a]));
  const body = msg.attributedBody?.find((b) => (b.runs ?? []).some((r) => typeof r.attributes?.[PART] === "number"));
  if (body) {
    const text = body.string ?? "";
    const parts = new Map<number, { text: string; file?: BbAttachment }>();
    for (const run of body.runs ?? []) {
      const index = run.attributes?.[PART];
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index > MAX_PART) continue;
      const entry = parts.get(index) ?? { text: "" };
      const file = run.attributes?.[FILE];
      const attachment = typeof file === "string" ? byGuid.get(file) : undefined;
      if (attachment) entry.file = attachment;
      else if (run.range) entry.text += text.slice(run.range[0], run.range[0] + run.range[1]);
      parts.set(index, entry);
    }
    // A tapback names its part by iMessage's number (`p:N/…`): an empty part keeps its place
    // (as empty text) rather than shifting the parts after it.
    const last = Math.max(...parts.keys());
    const out: MessagePart[] = [];
    for (let index = 0; index <= last; index++) {
      const p = parts.get(index);
      if (p?.file) out.push(attachmentPart(p.file));
      else out.push({ text: (p?.text ?? "").split(OBJECT_CHAR).join("").trim() });
    }
    if (out.some((p) => "attachment" in p || p.text)) return out;
  }
  const out: MessagePart[] = attachments.map(attachmentPart);
  const text = (msg.text ?? "").split(OBJECT_CHAR).join("").trim();
  if (text) out.push({ text });
  return out;
}
