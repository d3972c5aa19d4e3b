/**
 * The reaction vocabulary, shared by the API, the dashboard and the sandbox: the kinds, their
 * types and their labels. What may be done with them is rules.ts; see docs/concepts.md.
 */
export const CLASSIC = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
export type Classic = (typeof CLASSIC)[number];
export const KINDS = [...CLASSIC, "custom", "sticker"] as const;
export type Kind = (typeof KINDS)[number];
/** Kinds that occupy the one tapback slot of a sender on a part. */
export type TapbackKind = Classic | "custom";

/** Accessible names (the dashboard's badges and picker) and what iMessage draws. */
export const CLASSIC_LABEL: Record<Classic, string> = {
  love: "Love",
  like: "Like",
  dislike: "Dislike",
  laugh: "Laugh",
  emphasize: "Emphasize",
  question: "Question",
};

export interface StickerInfo {
  file_name: string;
  mime_type: string;
  url: string;
  width: number;
  height: number;
}
