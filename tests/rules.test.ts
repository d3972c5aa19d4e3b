import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLASSIC, type TapbackKind } from "@/lib/tapbacks/kinds";
import {
  appleTapbackName,
  appleTapbackType,
  type Decision,
  decide,
  emojiFromText,
  isSingleEmoji,
  type ReactionRequest,
  sameTapback,
  type Tapback,
  tapbackTarget,
  toggle,
} from "@/lib/tapbacks/rules";

const love: Tapback = { kind: "love", customEmoji: null };
const like: Tapback = { kind: "like", customEmoji: null };
const laugh: Tapback = { kind: "laugh", customEmoji: null };
const custom = (emoji: string): Tapback => ({ kind: "custom", customEmoji: emoji });

describe("decide (rules 1–3)", () => {
  it("adds when nothing is live", () => {
    expect(decide(null, { operation: "add", ...love })).toEqual({ action: "add", next: love });
  });

  it("replaces a different live tapback, reporting the previous one", () => {
    expect(decide(love, { operation: "add", ...laugh })).toEqual({
      action: "replace",
      previous: love,
      next: laugh,
    });
    // Classic and custom share the slot (rule 1).
    expect(decide(love, { operation: "add", ...custom("🔥") })).toEqual({
      action: "replace",
      previous: love,
      next: custom("🔥"),
    });
    expect(decide(custom("🔥"), { operation: "add", ...like })).toEqual({
      action: "replace",
      previous: custom("🔥"),
      next: like,
    });
  });

  it("is a no-op when the same tapback is already live (rule 2)", () => {
    expect(decide(love, { operation: "add", ...love })).toEqual({ action: "noop" });
    expect(decide(custom("👍🏽"), { operation: "add", ...custom("👍🏽") })).toEqual({ action: "noop" });
  });

  it("compares custom tapbacks by their emoji", () => {
    expect(decide(custom("😀"), { operation: "add", ...custom("😂") })).toEqual({
      action: "replace",
      previous: custom("😀"),
      next: custom("😂"),
    });
    expect(sameTapback(custom("😀"), custom("😀"))).toBe(true);
    expect(sameTapback(custom("😀"), custom("😂"))).toBe(false);
    expect(sameTapback(love, like)).toBe(false);
    expect(sameTapback(love, custom("❤️"))).toBe(false);
  });

  it("drops a stray emoji carried with a classic tapback", () => {
    const loveWithEmoji: Tapback = { kind: "love", customEmoji: "😀" };
    expect(decide(null, { operation: "add", ...loveWithEmoji })).toEqual({ action: "add", next: love });
    expect(decide(love, { operation: "add", ...loveWithEmoji })).toEqual({ action: "noop" });
    expect(sameTapback(love, loveWithEmoji)).toBe(true);
  });

  it("removes whatever is live, and is a no-op when nothing is (rule 3)", () => {
    expect(decide(laugh, { operation: "remove" })).toEqual({ action: "remove", previous: laugh });
    expect(decide(custom("🇯🇵"), { operation: "remove" })).toEqual({ action: "remove", previous: custom("🇯🇵") });
    expect(decide(null, { operation: "remove" })).toEqual({ action: "noop" });
    expect(decide(null, { operation: "remove", ...love })).toEqual({ action: "noop" });
  });

  it("removes with a match only when the live tapback is that one", () => {
    expect(decide(love, { operation: "remove", kind: "love" })).toEqual({
      action: "remove",
      previous: love,
    });
    expect(decide(love, { operation: "remove", kind: "like" })).toEqual({ action: "noop" });
    expect(decide(love, { operation: "remove", kind: "custom" })).toEqual({ action: "noop" });
    expect(decide(custom("😀"), { operation: "remove", kind: "love" })).toEqual({ action: "noop" });
    expect(decide(custom("😀"), { operation: "remove", ...custom("😂") })).toEqual({ action: "noop" });
    expect(decide(custom("😀"), { operation: "remove", ...custom("😀") })).toEqual({
      action: "remove",
      previous: custom("😀"),
    });
    // `type: "custom"` without an emoji takes whichever custom emoji is live.
    expect(decide(custom("😀"), { operation: "remove", kind: "custom" })).toEqual({
      action: "remove",
      previous: custom("😀"),
    });
    expect(decide(custom("😀"), { operation: "remove", kind: "custom", customEmoji: null })).toEqual({
      action: "remove",
      previous: custom("😀"),
    });
  });
});

describe("toggle (the dashboard picker)", () => {
  it("adds when nothing is live", () => {
    expect(toggle(null, love)).toEqual({ operation: "add", ...love });
  });

  it("removes when the picked tapback is the live one", () => {
    const request = toggle(love, love);
    expect(request).toEqual({ operation: "remove", ...love });
    expect(decide(love, request)).toEqual({ action: "remove", previous: love });
    expect(decide(custom("😀"), toggle(custom("😀"), custom("😀")))).toEqual({
      action: "remove",
      previous: custom("😀"),
    });
  });

  it("replaces when another tapback is picked", () => {
    expect(toggle(love, like)).toEqual({ operation: "add", ...like });
    expect(decide(love, toggle(love, like))).toEqual({ action: "replace", previous: love, next: like });
    expect(toggle(custom("😀"), custom("😂"))).toEqual({ operation: "add", ...custom("😂") });
  });
});

// ---------------------------------------------------------------------------------------
// Properties. Few senders, parts and emoji, so that sequences keep hitting the same slots.

const SENDERS = ["+15550001111", "agent@example.com", "+15550002222"];
const PARTS = 3;
const EMOJI = ["😀", "👍🏽", "🇯🇵", "1️⃣", "👨‍👩‍👧‍👦"];

const tapbackArb: fc.Arbitrary<Tapback> = fc.oneof(
  fc.constantFrom(...CLASSIC).map((kind): Tapback => ({ kind, customEmoji: null })),
  fc.constantFrom(...EMOJI).map(custom),
);

type RemoveMatch = { kind?: TapbackKind; customEmoji?: string | null };
const matchArb: fc.Arbitrary<RemoveMatch> = fc.oneof(
  fc.constant({}),
  tapbackArb,
  fc.constant({ kind: "custom" as TapbackKind, customEmoji: null }),
);

const requestArb: fc.Arbitrary<ReactionRequest> = fc.oneof(
  { weight: 3, arbitrary: tapbackArb.map((tapback): ReactionRequest => ({ operation: "add", ...tapback })) },
  { weight: 2, arbitrary: matchArb.map((match): ReactionRequest => ({ operation: "remove", ...match })) },
);

const stepArb = fc.record({
  sender: fc.constantFrom(...SENDERS),
  part: fc.integer({ min: 0, max: PARTS - 1 }),
  request: requestArb,
});

/** The model's own encoding of a tapback, deliberately not built from the code under test. */
function token(t: { kind: TapbackKind; customEmoji?: string | null }): string {
  return t.kind === "custom" ? `custom:${t.customEmoji}` : t.kind;
}

/** The simplest reading of the rules: add sets the slot, remove clears it (if its kind fits). */
function modelApply(model: Map<string, string>, key: string, request: ReactionRequest): void {
  if (request.operation === "add") {
    model.set(key, token({ kind: request.kind as TapbackKind, customEmoji: request.customEmoji }));
    return;
  }
  const live = model.get(key);
  if (live === undefined) return;
  const kind = request.kind as TapbackKind | undefined;
  const fits =
    kind === undefined ||
    (kind === "custom" && !request.customEmoji
      ? live.startsWith("custom:")
      : live === token({ kind, customEmoji: request.customEmoji }));
  if (fits) model.delete(key);
}

/** Live reaction rows the way the service keeps them: an id, a slot, a tapback. */
interface Row {
  id: number;
  sender: string;
  part: number;
  tapback: Tapback;
}

describe("decide, as a property over sequences of changes", () => {
  it("keeps at most one live tapback per (sender, part), matching a simple model", () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const rows: Row[] = [];
        const model = new Map<string, string>();
        const sequences = new Map<string, number>();
        let nextId = 1;
        let changes = 0;
        let modelChanges = 0;

        for (const { sender, part, request } of steps) {
          const key = `${sender}#${part}`;
          const inSlot = rows.filter((r) => r.sender === sender && r.part === part);
          expect(inSlot.length).toBeLessThanOrEqual(1);
          const live = inSlot[0] ?? null;

          const decision: Decision = decide(live ? live.tapback : null, request);
          switch (decision.action) {
            case "add":
              expect(live).toBeNull();
              rows.push({ id: nextId++, sender, part, tapback: decision.next });
              break;
            case "replace":
              expect(live).not.toBeNull();
              expect(decision.previous).toEqual(live!.tapback);
              live!.tapback = decision.next; // in place: same id (rule 1)
              break;
            case "remove":
              expect(live).not.toBeNull();
              expect(decision.previous).toEqual(live!.tapback);
              rows.splice(rows.indexOf(live!), 1);
              break;
            case "noop":
              break;
          }
          if (decision.action !== "noop") {
            changes++;
            sequences.set(key, (sequences.get(key) ?? 0) + 1);
          }
          if (decision.action === "add" || decision.action === "replace") {
            // Only custom tapbacks carry an emoji.
            expect(decision.next.customEmoji === null).toBe(decision.next.kind !== "custom");
          }

          const before = model.get(key);
          modelApply(model, key, request);
          if (model.get(key) !== before) modelChanges++;

          const actual = new Map(rows.map((r) => [`${r.sender}#${r.part}`, token(r.tapback)]));
          expect(actual).toEqual(model);
          expect(rows.length).toBe(actual.size);
        }

        expect(changes).toBe(modelChanges);
        expect([...sequences.values()].reduce((a, b) => a + b, 0)).toBe(changes);
        // Ids are never reused: a tapback after a removal is a new reaction (rule 3).
        expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);

        // Sending the live tapback again changes nothing, on every slot the sequence left.
        for (const r of rows) expect(decide(r.tapback, { operation: "add", ...r.tapback })).toEqual({ action: "noop" });
      }),
      { numRuns: 300 },
    );
  });

  it("treats sending the live tapback again as a no-op", () => {
    fc.assert(
      fc.property(fc.option(tapbackArb, { nil: null }), tapbackArb, (previous, tapback) => {
        const first = decide(previous, { operation: "add", ...tapback });
        if (first.action === "remove") throw new Error("an add never removes");
        if (previous === null) expect(first.action).toBe("add");
        const live = first.action === "noop" ? previous! : first.next;
        expect(sameTapback(live, tapback)).toBe(true);
        expect(decide(live, { operation: "add", ...tapback })).toEqual({ action: "noop" });
        expect(decide(live, { operation: "add", ...{ ...live } })).toEqual({ action: "noop" });
      }),
    );
  });

  it("toggling a tapback leaves it live unless it already was", () => {
    fc.assert(
      fc.property(fc.option(tapbackArb, { nil: null }), tapbackArb, (live, picked) => {
        const decision = decide(live, toggle(live, picked));
        const wasLive = live !== null && sameTapback(live, picked);
        if (wasLive) expect(decision).toEqual({ action: "remove", previous: live });
        else expect(decision).toMatchObject({ next: picked });
      }),
    );
  });
});

describe("isSingleEmoji", () => {
  it.each([
    ["a plain emoji", "😀"],
    ["an emoji with a skin tone", "👍🏽"],
    ["a ZWJ family", "👨‍👩‍👧‍👦"],
    ["a ZWJ sequence with a variation selector", "🏳️‍🌈"],
    ["a flag", "🇯🇵"],
    ["a subdivision flag (tag sequence)", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"],
    ["a keycap", "1️⃣"],
    ["a keycap without its variation selector", "#⃣"],
    ["a heart with its variation selector", "❤️"],
    ["a heart without it", "❤"],
  ])("accepts %s", (_, value) => {
    expect(isSingleEmoji(value)).toBe(true);
  });

  it.each([
    ["the empty string", ""],
    ["letters", "ab"],
    ["one letter", "a"],
    ["two emoji", "😀😀"],
    ["an emoji with a space", "😀 "],
    ["a plain digit", "1"],
    ["plain digits", "42"],
    ["a bare #", "#"],
    ["a letter in a keycap", "a\u20E3"],
    ["an emoji with a combining accent", "😀\u0301"],
    ["a lone zero-width joiner", "\u200D"],
    ["a long run of emoji", "👍".repeat(40)],
    // One grapheme by the segmentation rules, but far longer than any real emoji.
    ["one over-long ZWJ chain", Array(30).fill("👩").join("\u200D")],
  ])("rejects %s", (_, value) => {
    expect(isSingleEmoji(value)).toBe(false);
  });

  it("rejects values that are not strings", () => {
    for (const value of [null, undefined, 1, ["😀"], { emoji: "😀" }]) expect(isSingleEmoji(value)).toBe(false);
  });
});

describe("Apple's encoding (rule 9)", () => {
  it("reads associated message types 2000–2007 as additions and 3000–3007 as removals, in Apple's order", () => {
    const order = [...CLASSIC, "custom", "sticker"] as const;
    order.forEach((kind, i) => {
      expect(appleTapbackType(2000 + i)).toEqual({ operation: "add", kind });
      expect(appleTapbackType(String(3000 + i))).toEqual({ operation: "remove", kind });
    });
    expect(appleTapbackType(1000)).toEqual({ operation: "add", kind: "sticker" });
    expect(appleTapbackType(" 2006 ")).toEqual({ operation: "add", kind: "custom" });
  });

  it("reads the classic six by name, `-kind` taking one away, and `sticker`", () => {
    for (const kind of CLASSIC) {
      expect(appleTapbackType(kind)).toEqual({ operation: "add", kind });
      expect(appleTapbackType(`-${kind}`)).toEqual({ operation: "remove", kind });
      expect(appleTapbackType(appleTapbackName("remove", kind))).toEqual({ operation: "remove", kind });
      expect(appleTapbackName("add", kind)).toBe(kind);
    }
    expect(appleTapbackType("sticker")).toEqual({ operation: "add", kind: "sticker" });
  });

  it("is no tapback for anything else", () => {
    for (const value of [
      0,
      "0",
      1999,
      2008,
      3008,
      4000,
      "-custom",
      "-sticker",
      "constructor",
      "",
      null,
      undefined,
      {},
    ]) {
      expect(appleTapbackType(value)).toBeNull();
    }
  });

  it("finds the target and its part in the associated message guid", () => {
    expect(tapbackTarget("p:0/ABC-1")).toEqual({ guid: "ABC-1", partIndex: 0 });
    expect(tapbackTarget("p:12/ABC")).toEqual({ guid: "ABC", partIndex: 12 });
    expect(tapbackTarget("bp:ABC")).toEqual({ guid: "ABC", partIndex: 0 });
    expect(tapbackTarget("ABC")).toEqual({ guid: "ABC", partIndex: 0 });
    for (const value of ["p:12345/ABC", "p:x/ABC", "p:1/", "a b", "a/b", ""]) expect(tapbackTarget(value)).toBeNull();
  });

  it("reads an emoji tapback's emoji from its text", () => {
    expect(emojiFromText("Reacted 🎉 to “Hello”")).toBe("🎉");
    expect(emojiFromText("Removed 👍🏽 from an image")).toBe("👍🏽");
    expect(emojiFromText("Reacted x to “Hello”")).toBeNull();
    expect(emojiFromText(undefined)).toBeNull();
  });
});
