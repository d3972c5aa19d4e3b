import { describe, expect, it } from "vitest";
import { chatIdentity, defaultChatGuid, interpret, parseWebhook } from "@/lib/bridges/bluebubbles/inbound";

/**
 * lib/bridges/bluebubbles/inbound.ts case by case, beside tests/bluebubbles-protocol.test.ts:
 * each reason a message is ignored, the defaults of an attachment's fields, how the attributed
 * body numbers parts, and the webhook body's limits. Pure and fast, for `npm run mutate` too.
 */

const CHAT = "iMessage;-;+14155550100";
const msg = (fields: Record<string, unknown> = {}) => ({
  guid: "M1",
  text: "hello",
  isFromMe: false,
  dateCreated: 1_700_000_000_000,
  chats: [{ guid: CHAT }],
  ...fields,
});
const reasonOf = (input: unknown) => {
  const out = interpret(input);
  if (out.kind !== "ignore") throw new Error(`not ignored: ${out.kind}`);
  return out.reason;
};

describe("chatIdentity", () => {
  it("reads service, group and address, lower-casing email addresses only, around whitespace", () => {
    expect(chatIdentity(` ${CHAT} `)).toEqual({
      service: "iMessage",
      group: false,
      address: "+14155550100",
      key: "direct:+14155550100",
    });
    expect(chatIdentity("any;-;Ann@Example.COM")).toEqual({
      service: "any",
      group: false,
      address: "ann@example.com",
      key: "direct:ann@example.com",
    });
    expect(chatIdentity("iMessage;+;chatABC")).toEqual({
      service: "iMessage",
      group: true,
      address: "chatABC",
      key: "group:chatABC",
    });
    expect(chatIdentity("SMS;-;ChatX")!.address).toBe("ChatX");
  });

  it("refuses what is not a whole chat guid", () => {
    for (const bad of [
      "",
      "iMessage;-;",
      "iMessage;*;+1",
      "i Message;-;+1",
      "x iMessage;-;+1",
      ";-;+1",
      "+14155550100",
    ]) {
      expect(chatIdentity(bad), bad).toBeNull();
    }
  });

  it("writes a new person's chat as iMessage", () => {
    expect(defaultChatGuid("+14155550100")).toBe("iMessage;-;+14155550100");
  });
});

describe("interpret: what is ignored, and why", () => {
  it("says why", () => {
    expect(reasonOf({ guid: "" })).toBe("Not a BlueBubbles message.");
    expect(reasonOf(msg({ chats: [] }))).toBe("The message carries no chat (read it with chats).");
    expect(reasonOf(msg({ chats: null }))).toBe("The message carries no chat (read it with chats).");
    expect(reasonOf(msg({ chats: [{ guid: "nonsense" }] }))).toBe("The chat guid is not one BlueBubbles uses.");
    expect(reasonOf(msg({ chats: [{ guid: "iMessage;+;chat1" }] }))).toBe("Group chats are not supported.");
    expect(reasonOf(msg({ chats: [{ guid: CHAT, style: 43 }] }))).toBe("Group chats are not supported.");
    expect(reasonOf(msg({ itemType: 2 }))).toBe("A chat event, not a message.");
    expect(reasonOf(msg({ isFromMe: true, error: 22 }))).toBe("A send that Messages.app recorded as failed.");
    expect(reasonOf(msg({ text: " \uFFFC " }))).toBe("The message has no text or attachment.");
    expect(reasonOf(msg({ associatedMessageType: "1234", associatedMessageGuid: "p:0/T" }))).toBe(
      "Associated message type 1234 is not a tapback.",
    );
    expect(reasonOf(msg({ associatedMessageType: "love" }))).toBe("The tapback names no target message.");
    expect(reasonOf(msg({ associatedMessageType: "love", associatedMessageGuid: "x:y" }))).toBe(
      "The tapback names no target message.",
    );
    expect(reasonOf(msg({ associatedMessageType: "2006", associatedMessageGuid: "p:0/T", text: "?" }))).toBe(
      "An emoji tapback without a readable emoji.",
    );
    expect(reasonOf(msg({ associatedMessageType: "sticker", associatedMessageGuid: "p:0/T" }))).toBe(
      "A sticker without its image (read it with attachments).",
    );
  });

  it("keeps what is not ignored: a failed send of someone else's, chat style 45, item type 0 or none", () => {
    expect(interpret(msg({ error: 22 })).kind).toBe("message");
    expect(interpret(msg({ isFromMe: true, error: 0 })).kind).toBe("message");
    expect(interpret(msg({ chats: [{ guid: CHAT, style: 45 }], itemType: 0 })).kind).toBe("message");
    expect(interpret(msg({ itemType: null })).kind).toBe("message");
  });
});

describe("interpret: messages", () => {
  it("carries the chat, the human's address, who sent it, when, and the tempGuid of an echo", () => {
    expect(interpret(msg({ isFromMe: true, tempGuid: "T1" }))).toEqual({
      kind: "message",
      guid: "M1",
      chatGuid: CHAT,
      remote: "+14155550100",
      isFromMe: true,
      at: new Date(1_700_000_000_000),
      parts: [{ text: "hello" }],
      rowid: null,
      tempGuid: "T1",
    });
    expect(interpret(msg())).not.toHaveProperty("tempGuid");
    const before = Date.now();
    const undated = interpret(msg({ dateCreated: null }));
    expect((undated as { at: Date }).at.getTime()).toBeGreaterThanOrEqual(before);
  });

  it("treats associated type 0, '0' and '' as no tapback", () => {
    for (const type of [0, "0", "", null]) {
      expect(interpret(msg({ associatedMessageType: type, associatedMessageGuid: "p:0/T" })).kind, String(type)).toBe(
        "message",
      );
    }
  });

  it("puts attachments first and the text last without an attributed body, with defaults for missing fields", () => {
    const out = interpret(
      msg({
        text: "\uFFFC caption ",
        attachments: [{ guid: "A1", mimeType: "image/png", transferName: "p.png" }, { guid: "A2" }],
      }),
    );
    expect(out).toMatchObject({
      parts: [
        { attachment: { guid: "A1", mime_type: "image/png", file_name: "p.png" } },
        { attachment: { guid: "A2", mime_type: "application/octet-stream", file_name: "A2" } },
        { text: "caption" },
      ],
    });
  });

  it("numbers parts by the attributed body: runs joined per part, files by guid, bad indexes skipped", () => {
    const text = "one two\uFFFCthree";
    const body = {
      string: text,
      runs: [
        { range: [4, 3], attributes: { __kIMMessagePartAttributeName: 0 } },
        { range: [0, 4], attributes: { __kIMMessagePartAttributeName: 0 } },
        { range: [7, 1], attributes: { __kIMMessagePartAttributeName: 1, __kIMFileTransferGUIDAttributeName: "F1" } },
        { range: [8, 5], attributes: { __kIMMessagePartAttributeName: 2 } },
        { range: [0, 3], attributes: { __kIMMessagePartAttributeName: -1 } },
        { range: [0, 3], attributes: { __kIMMessagePartAttributeName: 1.5 } },
        { range: [0, 3], attributes: { __kIMMessagePartAttributeName: "3" } },
        { range: [0, 3], attributes: {} },
      ],
    };
    const out = interpret(
      msg({
        text,
        attributedBody: [body],
        attachments: [{ guid: "F1", mimeType: "image/heic", transferName: "x.heic" }],
      }),
    );
    expect(out).toMatchObject({
      parts: [
        { text: "twoone" },
        { attachment: { guid: "F1", mime_type: "image/heic", file_name: "x.heic" } },
        { text: "three" },
      ],
    });
  });

  it("falls back to the plain order when the attributed body names no part, or only empty ones", () => {
    const noParts = { string: "hello", runs: [{ range: [0, 5], attributes: {} }] };
    expect(interpret(msg({ attributedBody: [noParts] }))).toMatchObject({ parts: [{ text: "hello" }] });
    const empty = { string: " \uFFFC", runs: [{ range: [0, 2], attributes: { __kIMMessagePartAttributeName: 0 } }] };
    expect(interpret(msg({ attributedBody: [empty] }))).toMatchObject({ parts: [{ text: "hello" }] });
    // A file the message does not carry is read as the run's text.
    const unknownFile = {
      string: "abc",
      runs: [
        { range: [0, 3], attributes: { __kIMMessagePartAttributeName: 0, __kIMFileTransferGUIDAttributeName: "F9" } },
      ],
    };
    expect(interpret(msg({ attributedBody: [unknownFile] }))).toMatchObject({ parts: [{ text: "abc" }] });
  });
});

describe("interpret: tapbacks", () => {
  const tapback = (fields: Record<string, unknown>) =>
    interpret(msg({ associatedMessageGuid: "p:1/T", text: null, ...fields }));

  it("reads the target, the part, the operation and the kind", () => {
    expect(tapback({ associatedMessageType: "-love" })).toMatchObject({
      kind: "reaction",
      targetGuid: "T",
      partIndex: 1,
      operation: "remove",
      reaction: "love",
    });
  });

  it("takes a custom emoji from its field when it is one emoji, else from the text; a removal may have none", () => {
    expect(tapback({ associatedMessageType: "2006", associatedMessageEmoji: " 🎉 " })).toMatchObject({
      customEmoji: "🎉",
    });
    expect(
      tapback({ associatedMessageType: "2006", associatedMessageEmoji: "ab", text: "Reacted 🔥 to “x”" }),
    ).toMatchObject({ customEmoji: "🔥" });
    const removal = tapback({ associatedMessageType: "3006" });
    expect(removal).toMatchObject({ operation: "remove", reaction: "custom" });
    expect(removal).not.toHaveProperty("customEmoji");
  });

  it("takes a sticker's image with defaults for missing fields; a removal may have none", () => {
    expect(
      tapback({ associatedMessageType: "sticker", attachments: [{ guid: "S1", width: 99.6, height: -3 }] }),
    ).toMatchObject({
      sticker: { attachmentGuid: "S1", mime_type: "application/octet-stream", file_name: "S1", width: 100, height: 0 },
    });
    expect(
      tapback({
        associatedMessageType: "sticker",
        attachments: [{ guid: "S2", mimeType: "image/png", transferName: "s.png", width: null }],
      }),
    ).toMatchObject({ sticker: { mime_type: "image/png", file_name: "s.png", width: 0, height: 0 } });
    const removal = tapback({ associatedMessageType: "3007" });
    expect(removal).toMatchObject({ operation: "remove", reaction: "sticker" });
    expect(removal).not.toHaveProperty("sticker");
  });
});

describe("interpret: the attributed body's corners (found by npm run mutate)", () => {
  // Equivalent mutants of partsOf, left in the score: `index < 0` → false (a negative part is
  // never reached by the loop from 0, whatever else is there); `run.attributes?.[FILE]` →
  // `run.attributes[FILE]` (a run that names a part has attributes); `typeof file === "string" ?
  // byGuid.get(file) : undefined` → `byGuid.get(file)` (no attachment has a guid that is not a
  // string); `body.runs ?? []` → `["…"]` (the body chosen has runs).
  const PART = "__kIMMessagePartAttributeName";
  const FILE = "__kIMFileTransferGUIDAttributeName";
  const partsOf = (fields: Record<string, unknown>) => {
    const out = interpret(msg(fields));
    if (out.kind !== "message") throw new Error(`not a message: ${JSON.stringify(out)}`);
    return out.parts;
  };

  it("uses the first body that names a part, past runs with no attributes at all", () => {
    const plain = { string: "plain", runs: [{ range: [0, 5] }, { range: [0, 5], attributes: {} }] };
    const numbered = { string: "numbered", runs: [{ range: [0, 8] }, { range: [0, 8], attributes: { [PART]: 0 } }] };
    expect(partsOf({ attributedBody: [plain, numbered] })).toEqual([{ text: "numbered" }]);
  });

  it("keeps a gap in the numbering as an empty part", () => {
    const body = {
      string: "ac",
      runs: [
        { range: [0, 1], attributes: { [PART]: 0 } },
        { range: [1, 1], attributes: { [PART]: 2 } },
      ],
    };
    expect(partsOf({ attributedBody: [body] })).toEqual([{ text: "a" }, { text: "" }, { text: "c" }]);
  });

  it("skips a fractional or too large part number even when it is the largest, and keeps part 100", () => {
    const run = (index: number, range: [number, number]) => ({ range, attributes: { [PART]: index } });
    expect(partsOf({ attributedBody: [{ string: "hi", runs: [run(0, [0, 2]), run(1.5, [0, 2])] }] })).toEqual([
      { text: "hi" },
    ]);
    expect(partsOf({ attributedBody: [{ string: "hi", runs: [run(0, [0, 2]), run(101, [0, 2])] }] })).toEqual([
      { text: "hi" },
    ]);
    const hundred = partsOf({ attributedBody: [{ string: "ab", runs: [run(0, [0, 1]), run(100, [1, 1])] }] });
    expect(hundred).toHaveLength(101);
    expect(hundred[100]).toEqual({ text: "b" });
  });

  it("reads a run without a range, or a body without its string, as empty text", () => {
    const body = {
      string: "x",
      runs: [{ attributes: { [PART]: 0 } }, { range: [0, 1], attributes: { [PART]: 1 } }],
    };
    expect(partsOf({ attributedBody: [body] })).toEqual([{ text: "" }, { text: "x" }]);
    const stringless = { runs: [{ range: [0, 3], attributes: { [PART]: 0 } }] };
    expect(partsOf({ attributedBody: [stringless] })).toEqual([{ text: "hello" }]);
  });

  it("keeps an empty text part before an attachment rather than falling back to the plain order", () => {
    const body = {
      string: "\uFFFC",
      runs: [
        { range: [0, 0], attributes: { [PART]: 0 } },
        { range: [0, 1], attributes: { [PART]: 1, [FILE]: "F1" } },
      ],
    };
    const attachments = [{ guid: "F1", mimeType: "image/png", transferName: "a.png" }];
    expect(partsOf({ text: "\uFFFC", attributedBody: [body], attachments })).toEqual([
      { text: "" },
      { attachment: { guid: "F1", mime_type: "image/png", file_name: "a.png" } },
    ]);
  });

  it("gives an attachment with no text no text part", () => {
    const attachments = [{ guid: "F2", mimeType: "image/png", transferName: "b.png" }];
    expect(partsOf({ text: undefined, attachments })).toEqual([
      { attachment: { guid: "F2", mime_type: "image/png", file_name: "b.png" } },
    ]);
  });

  it("refuses a chat guid that goes on past a line break", () => {
    expect(chatIdentity("iMessage;-;+14155550100\nmore")).toBeNull();
  });
});

describe("parseWebhook: the tempGuid of a send's echo", () => {
  const hint = (tempGuid: unknown) => parseWebhook({ type: "new-message", data: { guid: "G", tempGuid } });
  it("is carried when it is text of 1 to 200 characters without NUL", () => {
    expect(hint("temp-1")).toEqual({ ok: true, type: "new-message", guid: "G", tempGuid: "temp-1" });
    expect(hint("t".repeat(200))).toMatchObject({ tempGuid: "t".repeat(200) });
  });
  it("is dropped otherwise, the hint kept", () => {
    for (const bad of ["", "t".repeat(201), "a\u0000b", 7, null, undefined]) {
      expect(hint(bad), JSON.stringify(bad)).toEqual({ ok: true, type: "new-message", guid: "G" });
    }
  });
});

describe("parseWebhook", () => {
  it("reads a body given as JSON text too", () => {
    expect(parseWebhook(JSON.stringify({ type: "new-message", data: { guid: "G" } }))).toEqual({
      ok: true,
      type: "new-message",
      guid: "G",
    });
    expect(parseWebhook("{not json")).toEqual({ ok: false, sentence: "The webhook body is not JSON." });
    expect(parseWebhook([1])).toEqual({ ok: false, sentence: "The webhook body must be an object with a type." });
  });

  it("passes other events by name, and wants a guid of 1 to 200 characters on message events", () => {
    expect(parseWebhook({ type: "typing-indicator", data: null })).toEqual({
      ok: true,
      type: "other",
      event: "typing-indicator",
    });
    expect(parseWebhook({ type: "updated-message", data: { guid: "x".repeat(200) } })).toMatchObject({ ok: true });
    for (const data of [{ guid: "x".repeat(201) }, { guid: "" }, { guid: 5 }, null, undefined]) {
      expect(parseWebhook({ type: "updated-message", data })).toEqual({
        ok: false,
        sentence: "A updated-message webhook must carry data.guid.",
        field: "data.guid",
      });
    }
    expect(parseWebhook({ type: "new-message", data: { guid: "a\u0000b" } })).toEqual({
      ok: false,
      sentence: "data.guid must not contain NUL characters or invalid Unicode.",
      field: "data.guid",
    });
  });
});
