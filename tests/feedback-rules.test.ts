import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COUNTERS,
  type Counter,
  counterDelta,
  kindsOf,
  LABELS,
  type LiveHumanReaction,
  labelOf,
  partFeedback,
  rate,
} from "@/lib/tapbacks/feedback";
import { KINDS, type Kind } from "@/lib/tapbacks/kinds";

/** The feedback label rule (lib/tapbacks/feedback.ts, docs/tapback-rules.md "Feedback labels"). */

const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, s));
const live = (id: string, kind: Kind, s: number, customEmoji: string | null = null): LiveHumanReaction => ({
  id,
  kind,
  customEmoji,
  sticker: null,
  at: at(s),
});

describe("labelOf", () => {
  it("labels love, like, laugh, emphasize positive; dislike negative; question confused; custom and stickers other", () => {
    expect(Object.fromEntries(KINDS.map((k) => [k, labelOf(k)]))).toEqual({
      love: "positive",
      like: "positive",
      dislike: "negative",
      laugh: "positive",
      emphasize: "positive",
      question: "confused",
      custom: "other",
      sticker: "other",
    });
  });

  it("gives every kind exactly one label", () => {
    expect(LABELS.flatMap(kindsOf).sort()).toEqual([...KINDS].sort());
  });
});

describe("partFeedback", () => {
  it("has no label without a live human reaction", () => {
    expect(partFeedback([])).toBeNull();
  });

  it("takes the live reaction's latest kind, with its emoji", () => {
    expect(partFeedback([live("a", "custom", 1, "🎉")])).toMatchObject({
      label: "other",
      kind: "custom",
      customEmoji: "🎉",
    });
  });

  it("takes the reaction changed last when a tapback and stickers are live together", () => {
    const tapback = live("b", "dislike", 5);
    const sticker = live("a", "sticker", 3);
    expect(partFeedback([sticker, tapback])).toMatchObject({ label: "negative", kind: "dislike" });
    expect(partFeedback([{ ...sticker, at: at(9) }, tapback])).toMatchObject({ label: "other", kind: "sticker" });
    // The same instant: the higher id, so the answer never depends on the rows' order.
    expect(partFeedback([live("a", "love", 1), live("b", "question", 1)])?.kind).toBe("question");
    expect(partFeedback([live("b", "question", 1), live("a", "love", 1)])?.kind).toBe("question");
  });
});

describe("counterDelta and rate", () => {
  it("moves nothing when kind and label stay, and swaps kind and label on a replacement", () => {
    expect(counterDelta({ kind: "love" }, { kind: "love" })).toEqual({});
    expect(counterDelta({ kind: "like" }, { kind: "dislike" })).toEqual({
      like: -1,
      positive: -1,
      dislike: 1,
      negative: 1,
    });
    expect(counterDelta(null, { kind: "question" })).toEqual({ reacted: 1, question: 1, confused: 1 });
    expect(counterDelta({ kind: "laugh" }, null)).toEqual({ reacted: -1, laugh: -1, positive: -1 });
  });

  it("is a fraction of the parts, 0 without parts", () => {
    expect(rate(2, 6)).toBeCloseTo(1 / 3);
    expect(rate(0, 0)).toBe(0);
  });
});

type Op =
  | { part: number; op: "tapback"; kind: Exclude<Kind, "sticker"> }
  | { part: number; op: "untap" }
  | { part: number; op: "sticker" }
  | { part: number; op: "unsticker"; which: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    part: fc.nat(3),
    op: fc.constant("tapback" as const),
    kind: fc.constantFrom(...KINDS.filter((k): k is Exclude<Kind, "sticker"> => k !== "sticker")),
  }),
  fc.record({ part: fc.nat(3), op: fc.constant("untap" as const) }),
  fc.record({ part: fc.nat(3), op: fc.constant("sticker" as const) }),
  fc.record({ part: fc.nat(3), op: fc.constant("unsticker" as const), which: fc.nat(5) }),
);

describe("property: counters kept by deltas equal the counts of the final states", () => {
  it("holds for any sequence of a human's adds, replacements and removals on several parts", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const parts = new Map<number, LiveHumanReaction[]>();
        const counters = new Map<Counter, number>();
        let clock = 0;
        let ids = 0;
        for (const op of ops) {
          const before = partFeedback(parts.get(op.part) ?? []);
          let reactions = [...(parts.get(op.part) ?? [])];
          clock += 1;
          if (op.op === "tapback") {
            const tapback = reactions.find((r) => r.kind !== "sticker");
            if (tapback) {
              // Rule 1: replaced in place (same id), a new kind and time.
              reactions = reactions.map((r) => (r === tapback ? { ...r, kind: op.kind, at: at(clock) } : r));
            } else {
              reactions.push(live(`r${String(++ids).padStart(4, "0")}`, op.kind, clock));
            }
          } else if (op.op === "untap") {
            reactions = reactions.filter((r) => r.kind === "sticker");
          } else if (op.op === "sticker") {
            reactions.push(live(`r${String(++ids).padStart(4, "0")}`, "sticker", clock));
          } else {
            const stickers = reactions.filter((r) => r.kind === "sticker");
            const gone = stickers[op.which % Math.max(stickers.length, 1)];
            reactions = reactions.filter((r) => r !== gone);
          }
          parts.set(op.part, reactions);
          const after = partFeedback(reactions);
          for (const [c, n] of Object.entries(counterDelta(before, after)) as [Counter, number][]) {
            counters.set(c, (counters.get(c) ?? 0) + n);
          }
          // The model: the label is the one of the live reaction changed last; none when none is live.
          const latest = [...reactions].sort((a, b) => a.at.getTime() - b.at.getTime()).at(-1);
          expect(after?.kind ?? null).toBe(latest?.kind ?? null);
        }
        const expected = new Map<Counter, number>();
        for (const reactions of parts.values()) {
          const state = partFeedback(reactions);
          if (!state) continue;
          for (const c of ["reacted", state.kind, state.label] as Counter[])
            expected.set(c, (expected.get(c) ?? 0) + 1);
        }
        for (const c of COUNTERS) expect(counters.get(c) ?? 0).toBe(expected.get(c) ?? 0);
        // Every counter stays a count: reacted = the sum over kinds = the sum over labels.
        const sum = (keys: readonly Counter[]) => keys.reduce((n, k) => n + (counters.get(k) ?? 0), 0);
        expect(sum(KINDS)).toBe(counters.get("reacted") ?? 0);
        expect(sum(LABELS)).toBe(counters.get("reacted") ?? 0);
      }),
      { numRuns: 300 },
    );
  });
});
