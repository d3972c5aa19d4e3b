import { KINDS, type Kind, type StickerInfo } from "./kinds";

/**
 * A person's tapback on an agent's message as a label (SPEC §9, docs/tapback-rules.md "Feedback
 * labels"), as pure functions: the feedback read model, the summary's counters, the review queue,
 * the export and the Langfuse scores all take their label from here.
 *
 * 1. A kind's label: love, like, laugh and emphasize are `positive`; dislike is `negative`;
 *    question is `confused`; custom emoji and stickers are `other` (reported with the emoji).
 * 2. A part's feedback is the human's *live* reaction on it; with several live (a tapback and
 *    stickers), the one changed last (then the highest id). No live reaction: no label.
 * 3. A replaced reaction counts as its latest kind only; the changes that led there are counted
 *    beside it, never as labels of their own.
 */

export const LABELS = ["positive", "negative", "confused", "other"] as const;
export type Label = (typeof LABELS)[number];

const KIND_LABEL: Record<Kind, Label> = {
  love: "positive",
  like: "positive",
  laugh: "positive",
  emphasize: "positive",
  dislike: "negative",
  question: "confused",
  custom: "other",
  sticker: "other",
};

/** Rule 1. */
export function labelOf(kind: Kind): Label {
  return KIND_LABEL[kind];
}

/** The kinds of one label (the review queue's filter, the SQL that rebuilds the read model). */
export function kindsOf(label: Label): Kind[] {
  return KINDS.filter((k) => KIND_LABEL[k] === label);
}

/** One live reaction of the human on a part, as the rule needs it. */
export interface LiveHumanReaction {
  id: string;
  kind: Kind;
  customEmoji: string | null;
  sticker: StickerInfo | null;
  /** When it took its current kind (its `updated_at`). */
  at: Date;
}

export interface PartFeedback {
  label: Label;
  kind: Kind;
  customEmoji: string | null;
  sticker: StickerInfo | null;
  at: Date;
}

/** Rule 2: the part's feedback from the human's live reactions on it; null when there are none. */
export function partFeedback(live: readonly LiveHumanReaction[]): PartFeedback | null {
  let latest: LiveHumanReaction | null = null;
  for (const r of live) {
    if (
      !latest ||
      r.at.getTime() > latest.at.getTime() ||
      (r.at.getTime() === latest.at.getTime() && r.id > latest.id)
    ) {
      latest = r;
    }
  }
  if (!latest) return null;
  return {
    label: labelOf(latest.kind),
    kind: latest.kind,
    customEmoji: latest.customEmoji,
    sticker: latest.sticker,
    at: latest.at,
  };
}

/** The counters of the summary (per agent and day): `reacted` parts, and parts per kind and per label. */
export const COUNTERS = ["reacted", ...KINDS, ...LABELS] as const;
export type Counter = (typeof COUNTERS)[number];

/**
 * How one part's change of feedback moves the counters: −1 for what it was, +1 for what it is.
 * Applying the deltas of every change, in order, gives the counts of the final states (the
 * property test in tests/feedback-rules.test.ts); a change that keeps kind and label moves nothing.
 */
export function counterDelta(
  before: Pick<PartFeedback, "kind"> | null,
  after: Pick<PartFeedback, "kind"> | null,
): Partial<Record<Counter, number>> {
  const delta: Partial<Record<Counter, number>> = {};
  const add = (counter: Counter, n: number) => {
    const v = (delta[counter] ?? 0) + n;
    if (v === 0) delete delta[counter];
    else delta[counter] = v;
  };
  for (const [state, sign] of [
    [before, -1],
    [after, 1],
  ] as const) {
    if (!state) continue;
    add("reacted", sign);
    add(state.kind, sign);
    add(labelOf(state.kind), sign);
  }
  return delta;
}

/** A rate as a fraction of the parts sent; 0 when none were. */
export function rate(count: number, parts: number): number {
  return parts > 0 ? count / parts : 0;
}
