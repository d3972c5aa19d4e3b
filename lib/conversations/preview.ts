/**
 * The inbox row's preview, as Messages writes it: the latest activity of the conversation,
 * whichever it is — a message (its first part), or a tapback on a message ("Liked “Anything
 * else…”"). The row's time is that same activity's, so the two never disagree.
 */

const VERB: Record<string, string> = {
  love: "Loved",
  like: "Liked",
  dislike: "Disliked",
  laugh: "Laughed at",
  emphasize: "Emphasized",
  question: "Questioned",
};

export interface PreviewPart {
  type: string;
  text: string | null;
  attachmentFileName: string | null;
}

export interface PreviewReaction {
  kind: string;
  customEmoji: string | null;
  direction: "inbound" | "outbound";
  /** The part it is on. */
  part: PreviewPart | null;
  at: Date;
}

const QUOTE_MAX = 60;

function partText(part: PreviewPart | null): string {
  if (!part) return "a message";
  if (part.type !== "text")
    return part.attachmentFileName ? `an attachment (${part.attachmentFileName})` : "an attachment";
  const text = (part.text ?? "").replace(/\s+/g, " ").trim();
  return `“${text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX - 1).trimEnd()}…` : text}”`;
}

/** "Liked “…”" (the person's), "Ava liked “…”" (the agent's); a custom emoji or a sticker likewise. */
export function reactionPreview(r: PreviewReaction, agentName: string): string {
  const what = partText(r.part);
  const phrase =
    r.kind === "custom"
      ? `Reacted ${r.customEmoji ?? ""} to ${what}`.replace("  ", " ")
      : r.kind === "sticker"
        ? `Put a sticker on ${what}`
        : `${VERB[r.kind] ?? "Reacted to"} ${what}`;
  return r.direction === "outbound" ? `${agentName} ${phrase.charAt(0).toLowerCase()}${phrase.slice(1)}` : phrase;
}

export function messagePreview(part: PreviewPart | undefined): string {
  if (!part) return "No messages yet";
  return part.type === "text" ? (part.text ?? "") : `Attachment: ${part.attachmentFileName}`;
}

/** The latest of the last message and the latest live tapback: its time and its preview. */
export function latestActivity(
  lastMessage: { at: Date; part: PreviewPart | undefined } | undefined,
  lastReaction: PreviewReaction | undefined,
  agentName: string,
  fallbackAt: Date,
): { at: Date; snippet: string } {
  if (lastReaction && (!lastMessage || lastReaction.at > lastMessage.at)) {
    return { at: lastReaction.at, snippet: reactionPreview(lastReaction, agentName) };
  }
  return { at: lastMessage?.at ?? fallbackAt, snippet: messagePreview(lastMessage?.part) };
}
