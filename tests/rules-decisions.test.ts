import { describe, expect, it } from "vitest";
import { CLASSIC } from "@/lib/tapbacks/kinds";
import {
  agentSendRefusal,
  decide,
  decideSticker,
  emojiFromText,
  eventTypesFor,
  isClassic,
  isSingleEmoji,
  isStickerRequest,
  outcomeOf,
  type ReactionRequest,
  requestProblem,
  stickerLane,
  TAPBACK_LANE,
  tapbackTarget,
} from "@/lib/tapbacks/rules";

/**
 * The rules tests/rules.test.ts leaves to the services: stickers' lanes and removal (rule 4),
 * what a request must carry, what the agent may send (rule 6), which events a change fires,
 * and the edges of Apple's encodings. Pure and fast, for `npm run mutate` too.
 */

const SANDBOX = { name: "Sandbox", customEmoji: true };
const BRIDGE = { name: "BlueBubbles", customEmoji: false };
const sticker = { file_name: "s.png", mime_type: "image/png", url: "https://x/s.png", width: 1, height: 1 };

describe("kinds and lanes", () => {
  it("knows the classic six and nothing else", () => {
    for (const kind of CLASSIC) expect(isClassic(kind)).toBe(true);
    for (const other of ["custom", "sticker", "Love", "", 3, null, undefined]) expect(isClassic(other)).toBe(false);
  });

  it("gives each sticker a lane of its own, beside the shared tapback lane", () => {
    expect(isStickerRequest({ operation: "add", kind: "sticker", sticker: null })).toBe(true);
    expect(isStickerRequest({ operation: "add", kind: "love" })).toBe(false);
    expect(isStickerRequest({ operation: "remove" })).toBe(false);
    expect(stickerLane("r1")).toBe("sticker:r1");
    expect(stickerLane("r1")).not.toBe(TAPBACK_LANE);
    expect(TAPBACK_LANE).toBe("tapback");
  });

  it("refuses to decide a sticker on the tapback lane", () => {
    expect(() => decide(null, { operation: "add", kind: "sticker" })).toThrow(/decideSticker/);
  });
});

describe("decideSticker (rule 4)", () => {
  const live = [{ id: "newest" }, { id: "older" }];
  it("always adds a sticker beside the others", () => {
    expect(decideSticker(live, { operation: "add", kind: "sticker", sticker })).toEqual({ action: "add" });
  });
  it("removes the one named, else the newest, else nothing", () => {
    expect(decideSticker(live, { operation: "remove", reactionId: "older" })).toEqual({
      action: "remove",
      id: "older",
    });
    expect(decideSticker(live, { operation: "remove", reactionId: "gone" })).toEqual({ action: "noop" });
    expect(decideSticker(live, { operation: "remove", kind: "sticker" })).toEqual({ action: "remove", id: "newest" });
    expect(decideSticker([], { operation: "remove" })).toEqual({ action: "noop" });
  });
});

describe("removal by id and kind", () => {
  const live = { id: "r1", kind: "custom" as const, customEmoji: "🎉" };
  it("removes only the live reaction named by id", () => {
    expect(decide(live, { operation: "remove", reactionId: "r1" }).action).toBe("remove");
    expect(decide(live, { operation: "remove", reactionId: "r2" }).action).toBe("noop");
    expect(decide({ kind: "love", customEmoji: null }, { operation: "remove", reactionId: "r1" }).action).toBe("noop");
  });
  it("a custom removal matches any custom emoji when it names none, else only its own", () => {
    expect(decide(live, { operation: "remove", kind: "custom" }).action).toBe("remove");
    expect(decide(live, { operation: "remove", kind: "custom", customEmoji: "🎉" }).action).toBe("remove");
    expect(decide(live, { operation: "remove", kind: "custom", customEmoji: "🔥" }).action).toBe("noop");
    expect(decide(live, { operation: "remove", kind: "love" }).action).toBe("noop");
    const love = { kind: "love" as const, customEmoji: null };
    expect(decide(love, { operation: "remove", kind: "love", customEmoji: "🔥" }).action).toBe("remove");
  });
});

describe("requestProblem", () => {
  it("wants exactly one emoji with a custom addition", () => {
    const problem = { code: "invalid_reaction", sentence: "custom_emoji must be exactly one emoji." };
    expect(requestProblem("agent", { operation: "add", kind: "custom", customEmoji: "🎉🎉" })).toEqual(problem);
    expect(requestProblem("human", { operation: "add", kind: "custom" })).toEqual(problem);
    expect(requestProblem("agent", { operation: "add", kind: "custom", customEmoji: "🎉" })).toBeNull();
    expect(requestProblem("agent", { operation: "remove", kind: "custom", customEmoji: "not one" })).toBeNull();
  });
  it("wants the human's sticker to carry its sticker; the agent's is refused later", () => {
    expect(requestProblem("human", { operation: "add", kind: "sticker" })).toEqual({
      code: "validation_failed",
      sentence: "A sticker reaction needs its sticker.",
      field: "sticker",
    });
    expect(requestProblem("human", { operation: "add", kind: "sticker", sticker })).toBeNull();
    expect(requestProblem("agent", { operation: "add", kind: "sticker" })).toBeNull();
    expect(requestProblem("human", { operation: "add", kind: "love" })).toBeNull();
  });
});

describe("agentSendRefusal (rule 6)", () => {
  const on = { customEmojiSends: true };
  const off = { customEmojiSends: false };
  const custom: ReactionRequest = { operation: "add", kind: "custom", customEmoji: "🎉" };
  it("lets the classic six through everywhere, and every removal", () => {
    expect(agentSendRefusal({ operation: "add", kind: "like" }, off, BRIDGE)).toBeNull();
    expect(agentSendRefusal({ operation: "remove", kind: "sticker" }, off, BRIDGE)).toBeNull();
    expect(agentSendRefusal({ operation: "remove", kind: "custom" }, off, BRIDGE)).toBeNull();
  });
  it("never sends stickers", () => {
    expect(agentSendRefusal({ operation: "add", kind: "sticker", sticker }, on, SANDBOX)).toBe(
      "Stickers cannot be sent; only people place stickers.",
    );
  });
  it("sends custom emoji only when the upstream can and the agent is allowed, saying which stops it", () => {
    expect(agentSendRefusal(custom, on, SANDBOX)).toBeNull();
    expect(agentSendRefusal(custom, on, BRIDGE)).toBe(
      "This agent's BlueBubbles bridge cannot send custom emoji tapbacks; send one of the classic six.",
    );
    expect(agentSendRefusal(custom, off, SANDBOX)).toBe(
      "This agent does not send custom emoji (custom_emoji_sends is off); send one of the classic six.",
    );
    expect(agentSendRefusal(custom, off, BRIDGE)).toMatch(/bridge cannot send/);
  });
});

describe("events and outcomes", () => {
  it("fires reaction.added for additions and replacements, imessage.reaction_received for the human's on the agent's messages", () => {
    for (const outcome of ["added", "replaced"] as const) {
      expect(eventTypesFor(outcome, "human", "outbound")).toEqual(["imessage.reaction_received", "reaction.added"]);
      expect(eventTypesFor(outcome, "human", "inbound")).toEqual(["reaction.added"]);
      expect(eventTypesFor(outcome, "agent", "outbound")).toEqual(["reaction.added"]);
      expect(eventTypesFor(outcome, "agent", "inbound")).toEqual(["reaction.added"]);
    }
  });
  it("fires reaction.removed for removals, and nothing for no-ops", () => {
    expect(eventTypesFor("removed", "human", "outbound")).toEqual(["reaction.removed"]);
    expect(eventTypesFor("removed", "agent", "inbound")).toEqual(["reaction.removed"]);
    expect(eventTypesFor("noop", "human", "outbound")).toEqual([]);
  });
  it("names each decision's outcome", () => {
    const love = { kind: "love" as const, customEmoji: null };
    expect(outcomeOf({ action: "add", next: love })).toBe("added");
    expect(outcomeOf({ action: "add" })).toBe("added");
    expect(outcomeOf({ action: "replace", previous: love, next: love })).toBe("replaced");
    expect(outcomeOf({ action: "remove", previous: love })).toBe("removed");
    expect(outcomeOf({ action: "remove", id: "s" })).toBe("removed");
    expect(outcomeOf({ action: "noop" })).toBe("noop");
  });
});

describe("the edges of Apple's encodings", () => {
  it("takes an emoji of up to 64 UTF-16 units, and nothing empty", () => {
    // A family of four with skin tones, tags and joiners: one cluster, long in UTF-16.
    const flag = "🏴󠁧󠁢󠁳󠁣󠁴󠁿";
    expect(flag.length).toBeLessThanOrEqual(64);
    expect(isSingleEmoji(flag)).toBe(true);
    expect(isSingleEmoji("")).toBe(false);
    const long = `👍${"\uFE0F".repeat(62)}`;
    expect(long.length).toBe(64);
    expect(isSingleEmoji(long)).toBe(true);
    expect(isSingleEmoji(`${long}\uFE0F`)).toBe(false);
  });

  it("reads a target only as a whole p:N/ or bp: prefix", () => {
    expect(tapbackTarget("p:2/ABC")).toEqual({ guid: "ABC", partIndex: 2 });
    expect(tapbackTarget("bp:ABC")).toEqual({ guid: "ABC", partIndex: 0 });
    expect(tapbackTarget("xp:2/ABC")).toBeNull();
    expect(tapbackTarget("xbp:ABC")).toBeNull();
    // The guid runs to the end: a line break inside is no guid at all.
    expect(tapbackTarget("p:2/AB\nC")).toBeNull();
    expect(tapbackTarget("bp:AB\nC")).toBeNull();
  });

  it("reads the emoji of Reacted/Removed sentences only at their start", () => {
    expect(emojiFromText("Reacted 🎉 to “hi”")).toBe("🎉");
    expect(emojiFromText("Removed a 🎉 from “hi”")).toBe("🎉");
    expect(emojiFromText("Reacted an 🎉 to “hi”")).toBe("🎉");
    expect(emojiFromText("He Reacted 🎉 to “hi”")).toBeNull();
    expect(emojiFromText("Reacted  🎉 to “hi”")).toBe("🎉");
    expect(emojiFromText("Reacted an  🎉 to “hi”")).toBe("🎉");
  });
});
