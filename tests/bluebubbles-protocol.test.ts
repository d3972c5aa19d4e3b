import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BlueBubblesClient, BlueBubblesError } from "@/lib/bridges/bluebubbles/client";
import { chatIdentity, type Interpreted, interpret, parseWebhook } from "@/lib/bridges/bluebubbles/inbound";
import { emojiFromText, tapbackTarget } from "@/lib/tapbacks/rules";
import { type FakeBlueBubbles, startFakeBlueBubbles } from "./helpers/fake-bluebubbles";

/** A loopback endpoint that collects the fake's webhook POSTs. */
async function collector() {
  const bodies: Array<{ type: string; data: Record<string, unknown> }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")));
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bb/inbound`;
  return {
    url,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Every BlueBubblesError seen, to prove none of them ever carries the password. */
const seenErrors: BlueBubblesError[] = [];
async function failure(p: Promise<unknown>): Promise<BlueBubblesError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BlueBubblesError);
    seenErrors.push(err as BlueBubblesError);
    return err as BlueBubblesError;
  }
  throw new Error("expected the call to fail");
}

const HUMAN = "+15551230001";
const PASSWORD = "s3cret-Pässword&x=1";

describe("BlueBubbles client against the fake server", () => {
  let bb: FakeBlueBubbles;
  let hooks: Awaited<ReturnType<typeof collector>>;
  let client: BlueBubblesClient;

  beforeAll(async () => {
    hooks = await collector();
  });
  afterAll(async () => {
    await hooks.close();
    for (const err of seenErrors) {
      const everything = `${err.message} ${err.stack} ${JSON.stringify(err)} ${String(err)}`;
      expect(everything).not.toContain(PASSWORD);
      expect(everything).not.toContain(encodeURIComponent(PASSWORD));
    }
    expect(seenErrors.length).toBeGreaterThan(10);
  });
  beforeEach(async () => {
    bb = await startFakeBlueBubbles({ password: PASSWORD });
    client = new BlueBubblesClient({ url: bb.url, password: PASSWORD, timeoutMs: 5_000 });
    hooks.bodies.length = 0;
  });
  afterEach(async () => {
    await bb.close();
  });

  it("reads server info and follows the Private API's state", async () => {
    expect(await client.serverInfo()).toMatchObject({
      privateApi: true,
      helperConnected: true,
      serverVersion: "1.9.9",
    });
    bb.setMode({ helperDown: true });
    expect(await client.serverInfo()).toMatchObject({ privateApi: true, helperConnected: false });
    bb.setMode({ helperDown: false, privateApiOff: true });
    expect(await client.serverInfo()).toMatchObject({ privateApi: false, helperConnected: false });
  });

  it("sends the password only in the query string and never records or reports it", async () => {
    await client.serverInfo();
    expect(bb.calls[0]).toMatchObject({ method: "GET", path: "/api/v1/server/info", query: {}, status: 200 });
    const wrong = new BlueBubblesClient({ url: bb.url, password: "nope", timeoutMs: 5_000 });
    const err = await failure(wrong.serverInfo());
    expect(err).toMatchObject({ outcome: "failed", status: 401 });
    expect(err.sentence).toMatch(/refused the password/);
    // The Mac's password changes after linking: the stored one is now wrong.
    bb.setMode({ password: "rotated" });
    expect(
      await failure(client.react({ chatGuid: "x", selectedMessageGuid: "y", reaction: "love", partIndex: 0 })),
    ).toMatchObject({ outcome: "failed", status: 401 });
    expect(JSON.stringify(bb.calls)).not.toContain(PASSWORD);
  });

  it("maps an unreachable bridge to failed, and a send that outlives the timeout to unknown", async () => {
    const closed = await startFakeBlueBubbles({ password: PASSWORD });
    const url = closed.url;
    await closed.close();
    const down = new BlueBubblesClient({ url, password: PASSWORD, timeoutMs: 2_000 });
    const err = await failure(down.serverInfo());
    expect(err.outcome).toBe("failed");
    expect(err.status).toBeUndefined();
    expect(err.sentence).toMatch(/could not be reached/);

    const msg = await bb.human.send({ from: HUMAN, parts: [{ text: "hi" }] });
    bb.setMode({ latencyMs: 1_000 });
    const impatient = new BlueBubblesClient({ url: bb.url, password: PASSWORD, timeoutMs: 100 });
    const slow = await failure(
      impatient.react({
        chatGuid: `iMessage;-;${HUMAN}`,
        selectedMessageGuid: msg.guid,
        reaction: "love",
        partIndex: 0,
      }),
    );
    // The bridge had the request: the Mac may still send it (SPEC §5.0).
    expect(slow).toMatchObject({ outcome: "unknown" });
    expect(slow.sentence).toMatch(/did not answer within/);
  });

  it("refuses a malformed URL and never follows a redirect with the password", async () => {
    expect(() => new BlueBubblesClient({ url: "mac.example.com", password: PASSWORD })).toThrow(BlueBubblesError);
    expect(() => new BlueBubblesClient({ url: "ftp://mac.example.com", password: PASSWORD })).toThrow(/http/);
    const redirector = http.createServer((_req, res) => {
      res.writeHead(302, { location: `${bb.url}/api/v1/server/info` }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, "127.0.0.1", r));
    try {
      const port = (redirector.address() as AddressInfo).port;
      const moved = new BlueBubblesClient({ url: `http://127.0.0.1:${port}`, password: PASSWORD, timeoutMs: 2_000 });
      const err = await failure(moved.serverInfo());
      expect(err).toMatchObject({ outcome: "failed" });
      expect(err.sentence).toMatch(/redirect/);
      expect(bb.calls).toEqual([]);
    } finally {
      await new Promise<void>((r) => redirector.close(() => r()));
    }
  });

  it("registers its webhook once, and repairs a registration that lacks an event", async () => {
    expect(await client.listWebhooks()).toEqual([]);
    const first = await client.ensureWebhook(hooks.url);
    expect(first.created).toBe(true);
    const again = await client.ensureWebhook(hooks.url);
    expect(again).toEqual({ id: first.id, created: false });
    expect(bb.calls.filter((c) => c.method === "POST" && c.path === "/api/v1/webhook")).toHaveLength(1);
    expect(bb.calls.find((c) => c.method === "POST")?.body).toEqual({
      url: hooks.url,
      events: ["new-message", "updated-message"],
    });

    // Someone registered the same URL by hand with one event: a POST alone would change nothing.
    const other = "http://127.0.0.1:1/other";
    await client.ensureWebhook(other, ["new-message"]);
    const repaired = await client.ensureWebhook(other, ["new-message", "updated-message"]);
    expect(repaired.created).toBe(true);
    expect(bb.webhooks().find((w) => w.url === other)?.events).toEqual(["new-message", "updated-message"]);
    expect(bb.webhooks()).toHaveLength(2);
  });

  it("rejects a webhook URL without a scheme with the server's 400", async () => {
    const err = await failure(client.ensureWebhook("mac.example.com/hook"));
    expect(err).toMatchObject({ outcome: "failed", status: 400, errorType: "Validation Error" });
    expect(err.sentence).toContain("Webhook URL must include an HTTP scheme!");
  });

  it("sends a text through the Private API and returns the bridge's guid; the echo carries the tempGuid", async () => {
    await client.ensureWebhook(hooks.url);
    const result = await client.sendText({ chatGuid: `iMessage;-;${HUMAN}`, text: "Hello", tempGuid: "temp-1" });
    expect(result.guid).toMatch(/^[0-9A-F-]{36}$/);
    const call = bb.calls.find((c) => c.path === "/api/v1/message/text");
    expect(call?.body).toEqual({
      chatGuid: `iMessage;-;${HUMAN}`,
      message: "Hello",
      tempGuid: "temp-1",
      method: "private-api",
    });
    await bb.settled();
    expect(hooks.bodies.map((b) => [b.type, b.data.guid, b.data.tempGuid ?? null])).toEqual([
      ["new-message", result.guid, "temp-1"],
      ["new-message", result.guid, null],
    ]);
    const echo = interpret((await client.getMessage(result.guid!))!);
    expect(echo).toMatchObject({ kind: "message", isFromMe: true, remote: HUMAN, parts: [{ text: "Hello" }] });
  });

  it("sends several text parts as one multipart message", async () => {
    const result = await client.sendMultipart({
      chatGuid: `iMessage;-;${HUMAN}`,
      parts: [{ text: "one" }, { text: "two" }],
    });
    expect(bb.calls.at(-1)?.body).toEqual({
      chatGuid: `iMessage;-;${HUMAN}`,
      parts: [
        { partIndex: 0, text: "one" },
        { partIndex: 1, text: "two" },
      ],
    });
    const read = interpret((await client.getMessage(result.guid!))!);
    expect(read).toMatchObject({ kind: "message", parts: [{ text: "one" }, { text: "two" }] });
    // An attachment part needs an upload first; without one the server answers 400.
    const err = await failure(
      client.sendMultipart({ chatGuid: `iMessage;-;${HUMAN}`, parts: [{ attachment: "x/y.png", name: "y.png" }] }),
    );
    expect(err).toMatchObject({ outcome: "failed", status: 400 });
  });

  it("maps helper-down and Private-API-off sends to failed", async () => {
    const msg = await bb.human.send({ from: HUMAN, parts: [{ text: "hi" }] });
    const chatGuid = `iMessage;-;${HUMAN}`;
    for (const mode of [{ helperDown: true }, { privateApiOff: true }]) {
      bb.setMode({ helperDown: false, privateApiOff: false, ...mode });
      const react = await failure(
        client.react({ chatGuid, selectedMessageGuid: msg.guid, reaction: "love", partIndex: 0 }),
      );
      expect(react).toMatchObject({ outcome: "failed", status: 500, errorType: "iMessage Error" });
      expect(react.sentence).toMatch(/Private API is off or its helper is not connected/);
      const text = await failure(client.sendText({ chatGuid, text: "x", tempGuid: "t" }));
      expect(text).toMatchObject({ outcome: "failed", status: 500 });
      const multi = await failure(client.sendMultipart({ chatGuid, parts: [{ text: "x" }] }));
      expect(multi).toMatchObject({ outcome: "failed", status: 500 });
    }
    expect(bb.messages().filter((m) => m.isFromMe)).toEqual([]);
  });

  it("reacts on a part, echoes the tapback as an isFromMe new-message, and removes with -kind", async () => {
    await client.ensureWebhook(hooks.url);
    const msg = await bb.human.send({ from: HUMAN, parts: [{ text: "first" }, { text: "second" }] });
    hooks.bodies.length = 0;
    const chatGuid = `iMessage;-;${HUMAN}`;
    const added = await client.react({ chatGuid, selectedMessageGuid: msg.guid, reaction: "laugh", partIndex: 1 });
    expect(bb.calls.at(-1)?.body).toEqual({ chatGuid, selectedMessageGuid: msg.guid, reaction: "laugh", partIndex: 1 });
    await bb.settled();
    expect(hooks.bodies).toHaveLength(1);
    expect(hooks.bodies[0]).toMatchObject({
      type: "new-message",
      data: {
        guid: added.guid,
        isFromMe: true,
        associatedMessageType: "laugh",
        associatedMessageGuid: `p:1/${msg.guid}`,
      },
    });
    expect(interpret(hooks.bodies[0]!.data)).toMatchObject({
      kind: "reaction",
      guid: added.guid,
      isFromMe: true,
      targetGuid: msg.guid,
      partIndex: 1,
      operation: "add",
      reaction: "laugh",
    });
    const removed = await client.react({ chatGuid, selectedMessageGuid: msg.guid, reaction: "-laugh", partIndex: 1 });
    expect(interpret((await client.getMessage(removed.guid!))!)).toMatchObject({
      operation: "remove",
      reaction: "laugh",
    });
  });

  it("can deliver the echo before the send's own answer, as the real server may", async () => {
    await client.ensureWebhook(hooks.url);
    const msg = await bb.human.send({ from: HUMAN, parts: [{ text: "x" }] });
    hooks.bodies.length = 0;
    bb.setMode({ echo: "before-response" });
    const sent = await client.react({
      chatGuid: `iMessage;-;${HUMAN}`,
      selectedMessageGuid: msg.guid,
      reaction: "love",
      partIndex: 0,
    });
    expect(hooks.bodies.map((b) => b.data.guid)).toEqual([sent.guid]);
  });

  it("maps Reaction Send Error and 504 to unknown; reconciliation finds what really happened", async () => {
    await client.ensureWebhook(hooks.url);
    const msg = await bb.human.send({ from: HUMAN, parts: [{ text: "x" }] });
    const chatGuid = `iMessage;-;${HUMAN}`;
    const since = Date.now() - 1;
    hooks.bodies.length = 0;

    bb.setMode({ unknownOutcome: { status: 500, happened: true }, webhooks: "drop" });
    const e500 = await failure(
      client.react({ chatGuid, selectedMessageGuid: msg.guid, reaction: "love", partIndex: 0 }),
    );
    expect(e500).toMatchObject({ outcome: "unknown", status: 500, errorType: "iMessage Error" });

    bb.setMode({ unknownOutcome: { status: 504, happened: false } });
    const e504 = await failure(
      client.react({ chatGuid, selectedMessageGuid: msg.guid, reaction: "like", partIndex: 0 }),
    );
    expect(e504).toMatchObject({ outcome: "unknown", status: 504 });

    expect(hooks.bodies).toEqual([]);
    const { messages } = await client.queryMessages({ after: since });
    const reactions = messages.map(interpret).filter((i) => i.kind === "reaction");
    expect(reactions).toHaveLength(1);
    expect(reactions[0]).toMatchObject({ reaction: "love", operation: "add", isFromMe: true, targetGuid: msg.guid });
  });

  it("answers 400 for a tapback on a message the bridge does not know", async () => {
    const err = await failure(
      client.react({ chatGuid: `iMessage;-;${HUMAN}`, selectedMessageGuid: "NOPE", reaction: "love", partIndex: 0 }),
    );
    expect(err).toMatchObject({ outcome: "failed", status: 400 });
    expect(err.sentence).toContain("Selected message does not exist!");
  });

  it("reads a message with its chat and attachments, and null for an unknown guid", async () => {
    const msg = await bb.human.send({
      from: HUMAN,
      parts: [{ image: { fileName: "cat.png", width: 40, height: 30 } }, { text: "look" }],
      chatGuidPrefix: "any",
    });
    expect(await client.getMessage("UNKNOWN-GUID")).toBeNull();
    const read = await client.getMessage(msg.guid);
    expect(bb.calls.at(-1)?.query).toEqual({ with: "chats,attachments,attributedBody" });
    const i = interpret(read!);
    expect(i).toMatchObject({
      kind: "message",
      chatGuid: `any;-;${HUMAN}`,
      remote: HUMAN,
      isFromMe: false,
      parts: [{ attachment: { mime_type: "image/png", file_name: "cat.png" } }, { text: "look" }],
    });
    const guid = (i as Extract<Interpreted, { kind: "message" }>).parts[0] as { attachment: { guid: string } };
    const file = await client.downloadAttachment(guid.attachment.guid);
    expect(file.contentType).toBe("image/png");
    expect([...file.bytes.slice(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    const missing = await failure(client.downloadAttachment("NOPE"));
    expect(missing.outcome).toBe("failed");
  });

  it("queries messages after a time, oldest first, inclusive, page by page", async () => {
    const a = await bb.human.send({ from: HUMAN, parts: [{ text: "a" }] });
    const b = await bb.human.send({ from: HUMAN, parts: [{ text: "b" }] });
    const c = await bb.human.send({ from: HUMAN, parts: [{ text: "c" }] });
    const all = await client.queryMessages({ after: b.dateCreated as number });
    expect(all.messages.map((m) => m.guid)).toEqual([b.guid, c.guid]);
    expect(all.total).toBe(2);
    const page = await client.queryMessages({ after: 0, limit: 1, offset: 1 });
    expect(page.messages.map((m) => m.guid)).toEqual([b.guid]);
    expect(page.total).toBe(3);
    expect(bb.calls.at(-1)?.body).toEqual({
      with: ["chats", "attachments", "attributedBody"],
      after: 0,
      sort: "ASC",
      limit: 1,
      offset: 1,
    });
    expect(interpret(all.messages[0]!)).toMatchObject({ kind: "message", chatGuid: `iMessage;-;${HUMAN}` });
    expect(a.guid).not.toBe(b.guid);
  });

  it("drives the human's tapbacks, emoji tapbacks and stickers through webhook → re-read → interpret", async () => {
    await client.ensureWebhook(hooks.url);
    const msg = await bb.human.send({ from: HUMAN, parts: [{ text: "one" }, { text: "two" }] });
    const react = async (input: Parameters<FakeBlueBubbles["human"]["react"]>[0]) => {
      hooks.bodies.length = 0;
      await bb.human.react(input);
      const hint = parseWebhook(hooks.bodies[0]);
      if (!hint.ok || hint.type === "other") throw new Error("expected a message hint");
      return interpret((await client.getMessage(hint.guid))!);
    };
    expect(await react({ target: msg.guid, partIndex: 1, type: "love" })).toMatchObject({
      kind: "reaction",
      isFromMe: false,
      remote: HUMAN,
      partIndex: 1,
      operation: "add",
      reaction: "love",
    });
    expect(await react({ target: msg.guid, form: "bp", type: "-love" })).toMatchObject({
      partIndex: 0,
      operation: "remove",
      reaction: "love",
    });
    expect(await react({ target: msg.guid, type: 2006, emoji: "🎉" })).toMatchObject({
      operation: "add",
      reaction: "custom",
      customEmoji: "🎉",
    });
    expect(await react({ target: msg.guid, type: 2006, emoji: "👩‍👩‍👧", emojiField: true })).toMatchObject({
      customEmoji: "👩‍👩‍👧",
    });
    expect(await react({ target: msg.guid, type: 3006, emoji: "🎉" })).toMatchObject({
      operation: "remove",
      reaction: "custom",
    });
    const sticker = await react({ target: msg.guid, partIndex: 1, type: 1000, image: { width: 300, height: 200 } });
    expect(sticker).toMatchObject({
      operation: "add",
      reaction: "sticker",
      partIndex: 1,
      sticker: { mime_type: "image/png", width: 300, height: 200 },
    });
    const bytes = await client.downloadAttachment(
      (sticker as Extract<Interpreted, { kind: "reaction" }>).sticker!.attachmentGuid,
    );
    expect(bytes.bytes.length).toBeGreaterThan(20);
    expect(await react({ target: msg.guid, type: 2007 })).toMatchObject({ reaction: "sticker", operation: "add" });
    expect(await react({ target: msg.guid, type: 3007 })).toMatchObject({ reaction: "sticker", operation: "remove" });
    expect(await bb.mac.react({ target: msg.guid, type: "like" }).then(interpret)).toMatchObject({
      isFromMe: true,
      reaction: "like",
    });
  });

  it("webhooks a message as new-message and updated-message, or drops it", async () => {
    await client.ensureWebhook(hooks.url);
    bb.setMode({ webhooks: "duplicate" });
    const m = await bb.human.send({ from: HUMAN, parts: [{ text: "dup" }] });
    expect(hooks.bodies.map((b) => [b.type, b.data.guid])).toEqual([
      ["new-message", m.guid],
      ["updated-message", m.guid],
    ]);
    // updated-message carries no chats: only a re-read tells the chat.
    expect(hooks.bodies[1]!.data.chats).toBeUndefined();
    bb.setMode({ webhooks: "drop" });
    await bb.human.send({ from: HUMAN, parts: [{ text: "lost" }] });
    expect(hooks.bodies).toHaveLength(2);
  });
});

// ----------------------------------------------------------------------------------------
// Pure functions

const CHAT = { guid: `iMessage;-;${HUMAN}`, style: 45, chatIdentifier: HUMAN };
function bbMsg(fields: Record<string, unknown>) {
  return {
    guid: "R-1",
    text: "",
    handle: { address: HUMAN, service: "iMessage" },
    isFromMe: false,
    dateCreated: 1_700_000_000_000,
    itemType: 0,
    associatedMessageGuid: null,
    associatedMessageType: null,
    attachments: [],
    chats: [CHAT],
    ...fields,
  };
}
const STICKER = { guid: "AT-1", mimeType: "image/png", transferName: "s.png", width: 100, height: 80 };

describe("interpret", () => {
  const classic = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ...classic.map(
      (k) =>
        [
          `${k} adds`,
          { associatedMessageType: k, associatedMessageGuid: "p:0/T" },
          { operation: "add", reaction: k },
        ] as [string, Record<string, unknown>, Record<string, unknown>],
    ),
    ...classic.map(
      (k) =>
        [
          `-${k} removes`,
          { associatedMessageType: `-${k}`, associatedMessageGuid: "p:0/T" },
          { operation: "remove", reaction: k },
        ] as [string, Record<string, unknown>, Record<string, unknown>],
    ),
    ...classic.map(
      (k, i) =>
        [
          `${2000 + i} adds ${k}`,
          { associatedMessageType: String(2000 + i), associatedMessageGuid: "p:0/T" },
          { operation: "add", reaction: k },
        ] as [string, Record<string, unknown>, Record<string, unknown>],
    ),
    ...classic.map(
      (k, i) =>
        [
          `${3000 + i} removes ${k}`,
          { associatedMessageType: 3000 + i, associatedMessageGuid: "p:0/T" },
          { operation: "remove", reaction: k },
        ] as [string, Record<string, unknown>, Record<string, unknown>],
    ),
    [
      "p:2/ targets part 2",
      { associatedMessageType: "like", associatedMessageGuid: "p:2/ABC-1" },
      { targetGuid: "ABC-1", partIndex: 2 },
    ],
    [
      "bp: targets part 0",
      { associatedMessageType: "like", associatedMessageGuid: "bp:ABC-2" },
      { targetGuid: "ABC-2", partIndex: 0 },
    ],
    [
      "a bare guid targets part 0",
      { associatedMessageType: "like", associatedMessageGuid: "ABC-3" },
      { targetGuid: "ABC-3", partIndex: 0 },
    ],
    [
      "2006 takes associatedMessageEmoji",
      {
        associatedMessageType: "2006",
        associatedMessageGuid: "p:0/T",
        associatedMessageEmoji: "🦄",
        text: "Reacted 🎉 to “hi”",
      },
      { operation: "add", reaction: "custom", customEmoji: "🦄" },
    ],
    [
      "2006 falls back to the text",
      { associatedMessageType: "2006", associatedMessageGuid: "p:1/T", text: "Reacted 🇫🇷 to “hi”" },
      { operation: "add", reaction: "custom", customEmoji: "🇫🇷", partIndex: 1 },
    ],
    [
      "3006 removes, with its emoji",
      { associatedMessageType: 3006, associatedMessageGuid: "p:0/T", text: "Removed a 🎉 from “hi”" },
      { operation: "remove", reaction: "custom", customEmoji: "🎉" },
    ],
    [
      "3006 removes even without an emoji",
      { associatedMessageType: "3006", associatedMessageGuid: "p:0/T", text: "" },
      { operation: "remove", reaction: "custom" },
    ],
    [
      "sticker (1000) carries its image",
      { associatedMessageType: "sticker", associatedMessageGuid: "p:0/T", attachments: [STICKER] },
      {
        operation: "add",
        reaction: "sticker",
        sticker: { attachmentGuid: "AT-1", mime_type: "image/png", file_name: "s.png", width: 100, height: 80 },
      },
    ],
    [
      "1000 as a number",
      { associatedMessageType: 1000, associatedMessageGuid: "p:0/T", attachments: [STICKER] },
      { reaction: "sticker" },
    ],
    [
      "2007 sticker tapback",
      { associatedMessageType: "2007", associatedMessageGuid: "p:0/T", attachments: [STICKER] },
      { reaction: "sticker", operation: "add" },
    ],
    [
      "3007 sticker removal",
      { associatedMessageType: "3007", associatedMessageGuid: "p:0/T" },
      { reaction: "sticker", operation: "remove" },
    ],
    [
      "isFromMe is kept (the agent's own)",
      { associatedMessageType: "love", associatedMessageGuid: "p:0/T", isFromMe: true },
      { isFromMe: true },
    ],
    [
      "remote comes from the chat for every service prefix",
      {
        associatedMessageType: "love",
        associatedMessageGuid: "p:0/T",
        chats: [{ guid: `SMS;-;${HUMAN}` }],
        handle: null,
      },
      { remote: HUMAN, chatGuid: `SMS;-;${HUMAN}` },
    ],
  ];
  it.each(cases)("%s", (_name, fields, expected) => {
    expect(interpret(bbMsg(fields))).toMatchObject({ kind: "reaction", guid: "R-1", ...expected });
  });

  const ignored: Array<[string, unknown]> = [
    ["junk", { hello: 1 }],
    ["null", null],
    ["no chat", bbMsg({ chats: [] })],
    ["a group chat", bbMsg({ text: "hi", chats: [{ guid: "iMessage;+;chat123456" }] })],
    ["a chat event", bbMsg({ text: "named the chat", itemType: 2 })],
    ["an unknown associated type", bbMsg({ associatedMessageType: "4000", associatedMessageGuid: "p:0/T" })],
    [
      "an associated type named like an object key",
      bbMsg({ associatedMessageType: "constructor", associatedMessageGuid: "p:0/T" }),
    ],
    ["a tapback without target", bbMsg({ associatedMessageType: "love" })],
    ["a tapback with a malformed target", bbMsg({ associatedMessageType: "love", associatedMessageGuid: "p:x/ y" })],
    [
      "2006 without any emoji",
      bbMsg({ associatedMessageType: "2006", associatedMessageGuid: "p:0/T", text: "Reacted to" }),
    ],
    [
      "2006 whose text emoji is a letter",
      bbMsg({ associatedMessageType: "2006", associatedMessageGuid: "p:0/T", text: "Reacted x to “a”" }),
    ],
    ["a sticker without its image", bbMsg({ associatedMessageType: "1000", associatedMessageGuid: "p:0/T" })],
    ["an empty message", bbMsg({ text: "  " })],
    ["a failed send of ours", bbMsg({ text: "x", isFromMe: true, error: 22 })],
  ];
  it.each(ignored)("ignores %s", (_name, input) => {
    expect(interpret(input).kind).toBe("ignore");
  });

  it("keeps iMessage's part numbers when a part is empty, so p:N names the same part (finding 11)", () => {
    const msg = bbMsg({
      text: "\uFFFChello",
      attributedBody: [
        {
          string: "\uFFFChello",
          runs: [
            { range: [0, 1], attributes: { __kIMMessagePartAttributeName: 0 } },
            { range: [1, 5], attributes: { __kIMMessagePartAttributeName: 1 } },
          ],
        },
      ],
    });
    const item = interpret(msg);
    expect(item.kind).toBe("message");
    // Part 1 is "hello" on the phone: a tapback on p:1 must land on it.
    expect(item.kind === "message" && item.parts).toEqual([{ text: "" }, { text: "hello" }]);
  });

  it("numbers a message's parts from its attributed body", () => {
    const body = [
      {
        string: "hi\uFFFCthere",
        runs: [
          { range: [0, 2], attributes: { __kIMMessagePartAttributeName: 0 } },
          {
            range: [2, 1],
            attributes: { __kIMMessagePartAttributeName: 1, __kIMFileTransferGUIDAttributeName: "AT-9" },
          },
          { range: [3, 5], attributes: { __kIMMessagePartAttributeName: 2 } },
        ],
      },
    ];
    const msg = bbMsg({
      text: "hithere",
      attributedBody: body,
      attachments: [{ guid: "AT-9", mimeType: "image/jpeg", transferName: "a.jpg" }],
      tempGuid: "tmp",
    });
    expect(interpret(msg)).toEqual({
      kind: "message",
      guid: "R-1",
      chatGuid: `iMessage;-;${HUMAN}`,
      remote: HUMAN,
      isFromMe: false,
      at: new Date(1_700_000_000_000),
      rowid: null,
      parts: [
        { text: "hi" },
        { attachment: { guid: "AT-9", mime_type: "image/jpeg", file_name: "a.jpg" } },
        { text: "there" },
      ],
      tempGuid: "tmp",
    });
  });

  it("without an attributed body, puts attachments before the text", () => {
    const msg = bbMsg({ text: "caption", attachments: [{ guid: "AT-2", mimeType: null, transferName: null }] });
    expect(interpret(msg)).toMatchObject({
      parts: [
        { attachment: { guid: "AT-2", mime_type: "application/octet-stream", file_name: "AT-2" } },
        { text: "caption" },
      ],
    });
  });
});

describe("chat guids, targets and emoji text", () => {
  it("names one chat for every service prefix and recognises groups", () => {
    const keys = [`iMessage;-;${HUMAN}`, `any;-;${HUMAN}`, `SMS;-;${HUMAN}`].map((g) => chatIdentity(g)?.key);
    expect(new Set(keys).size).toBe(1);
    expect(chatIdentity(`any;-;${HUMAN}`)).toMatchObject({ service: "any", group: false, address: HUMAN });
    expect(chatIdentity("iMessage;-;Someone@iCloud.com")?.address).toBe("someone@icloud.com");
    expect(chatIdentity("iMessage;+;chat1234")).toMatchObject({ group: true });
    expect(chatIdentity("not a chat guid")).toBeNull();
    expect(chatIdentity("")).toBeNull();
  });

  it("parses p:N/, bp: and bare targets", () => {
    expect(tapbackTarget("p:3/G")).toEqual({ guid: "G", partIndex: 3 });
    expect(tapbackTarget("bp:G")).toEqual({ guid: "G", partIndex: 0 });
    expect(tapbackTarget("G-1")).toEqual({ guid: "G-1", partIndex: 0 });
    expect(tapbackTarget("p:/G")).toBeNull();
    expect(tapbackTarget("")).toBeNull();
  });

  it("reads the emoji of an emoji tapback's text", () => {
    expect(emojiFromText("Reacted 🎉 to “Hello”")).toBe("🎉");
    expect(emojiFromText("Reacted 👍🏽 to an image")).toBe("👍🏽");
    expect(emojiFromText("Removed 🎉 from “Hello”")).toBe("🎉");
    expect(emojiFromText("Loved “Hello”")).toBeNull();
    expect(emojiFromText(null)).toBeNull();
  });
});

describe("parseWebhook", () => {
  it("gives the guid of message events and passes other events by", () => {
    expect(parseWebhook({ type: "new-message", data: { guid: "G1" } })).toEqual({
      ok: true,
      type: "new-message",
      guid: "G1",
    });
    expect(parseWebhook(JSON.stringify({ type: "updated-message", data: { guid: "G2", chats: [] } }))).toEqual({
      ok: true,
      type: "updated-message",
      guid: "G2",
    });
    expect(parseWebhook({ type: "typing-indicator", data: { display: true } })).toEqual({
      ok: true,
      type: "other",
      event: "typing-indicator",
    });
  });

  const junk: unknown[] = [
    null,
    undefined,
    42,
    "not json",
    "[]",
    [],
    {},
    { type: 5 },
    { type: "" },
    { type: "new-message" },
    { type: "new-message", data: null },
    { type: "new-message", data: { guid: 7 } },
    { type: "updated-message", data: { guid: "" } },
    { type: "new-message", data: { guid: "x".repeat(500) } },
    { type: "x".repeat(200), data: {} },
  ];
  it.each(junk.map((j) => [JSON.stringify(j) ?? String(j), j]))("rejects %s without throwing", (_name, body) => {
    const hint = parseWebhook(body);
    expect(hint.ok).toBe(false);
    if (!hint.ok) expect(hint.sentence).toMatch(/\w/);
  });
});
