/** The reaction vocabulary of SPEC §1, shared by the API, the dashboard and the sandbox. */
export const CLASSIC = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
export type Classic = (typeof CLASSIC)[number];
export const KINDS = [...CLASSIC, "custom", "sticker"] as const;
export type Kind = (typeof KINDS)[number];
/** Kinds that occupy the one tapback slot of a sender on a part. */
export type TapbackKind = Classic | "custom";

/** Accessible names (SPEC §6) and what iMessage draws. */
export const CLASSIC_LABEL: Record<Classic, string> = {
  love: "Love",
  like: "Like",
  dislike: "Dislike",
  laugh: "Laugh",
  emphasize: "Emphasize",
  question: "Question",
};

export function isClassic(value: unknown): value is Classic {
  return typeof value === "string" && (CLASSIC as readonly string[]).includes(value);
}

export function isKind(value: unknown): value is Kind {
  return typeof value === "string" && (KINDS as readonly string[]).includes(value);
}

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
const PICTOGRAPHIC = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
// Every code point must belong to emoji sequences (digits, ZWJ, selectors, skin tones and
// tags are Emoji_Component): a letter or an accent inside the cluster ("a" + U+20E3, "😀" + U+0301) is text.
const EMOJI_CODE_POINTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\uFE0E)+$/u;

/** Exactly one grapheme cluster, and that one an emoji (flags, ZWJ sequences, keycaps…). */
export function isSingleEmoji(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0 || value.length > 64) return false;
  const graphemes = [...segmenter.segment(value)];
  return graphemes.length === 1 && PICTOGRAPHIC.test(value) && EMOJI_CODE_POINTS.test(value);
}

export interface StickerInfo {
  file_name: string;
  mime_type: string;
  url: string;
  width: number;
  height: number;
}
