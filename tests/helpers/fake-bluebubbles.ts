import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A fake BlueBubbles server (BlueBubblesApp/bluebubbles-server, packages/server/src/server/api/
 * http/api/v1) for tests: real HTTP on 127.0.0.1, written from that server's routers,
 * validators, serializers and webhook service. It plays the Mac: the human's phone sends
 * messages and tapbacks into it, the app's sends come out of it, and it webhooks every new
 * message the way the real server does. It only ever talks to loopback.
 *
 *   const bb = await startFakeBlueBubbles({ password: "pw" });
 *   bb.url, bb.password                        // what an agent's bridge is linked with
 *   await bb.human.send({ from: "+15551234567", parts: [{ text: "hi" }, { image: {} }] })
 *   await bb.human.react({ target: guid, partIndex: 1, type: "love" })     // also "-love"
 *   await bb.human.react({ target: guid, type: 2006, emoji: "🎉", emojiField: false })
 *   await bb.human.react({ target: guid, type: 1000, image: { width: 300, height: 300 } })
 *   await bb.mac.react({ target: guid, type: "like" })   // someone on the Mac itself
 *   bb.setMode({ helperDown: true })           // also latencyMs, confirmDelayMs, privateApiOff,
 *                                              // unknownOutcome, outcomeFor (per send), webhooks
 *                                              // ("once" | "duplicate" | "drop" | "hold"), echo,
 *                                              // chatGuidPrefix, password
 *   bb.held(), await bb.release(guid?), bb.dropHeld(guid?)   // the network: late, reordered, lost
 *   await bb.restart(downMs)                   // connections cut, same port, data kept
 *   bb.calls                                   // every request: method, path, query (no password), body
 *   bb.deliveries                              // every webhook POST it made and the answer
 *   await bb.settled()                         // webhooks sent after an HTTP answer have landed
 *   bb.message(guid), bb.messages(), bb.webhooks(), await bb.redeliver(guid), await bb.waitForCall(fn)
 *   bb.inFlight(), await bb.waitForInFlight(fn)   // calls not answered yet (a send held by latencyMs)
 *   bb.resetCalls()                            // between tests: forget calls and deliveries
 *   await bb.close()
 *
 * What it follows from the source:
 * - Auth: the password is read from the query parameter `guid`, else `password`, else `token`;
 *   missing or wrong → 401 `{status, message, error: {type: "Authentication Error", message}}`.
 *   Auth runs before the Private API check, which runs before validation.
 * - Answers: `{status: 200, message, data, metadata?}`; errors `{status, message, error: {type,
 *   message}}` with 400 "Validation Error", 404 "Database Error", 500 "iMessage Error" /
 *   "Server Error", 504 "Gateway Timeout".
 * - Messages are serialized like its MessageSerializer: `associatedMessageType` is a name for
 *   1000 and 2000–2005/3000–3005 ("sticker", "love", "-love") and the decimal string for every
 *   other code ("2006"); `associatedMessageEmoji` is not sent by the server (the fake adds it
 *   only when asked, to stand for a newer server); webhooks carry the shorter notification
 *   form, `new-message` with chats and `updated-message` without.
 * - The app's `message/text` is echoed twice as `new-message` (once with its `tempGuid`), its
 *   tapback once (isFromMe, `associatedMessageGuid: "p:N/<guid>"`).
 */

export type Classic = "love" | "like" | "dislike" | "laugh" | "emphasize" | "question";
const CLASSIC: Classic[] = ["love", "like", "dislike", "laugh", "emphasize", "question"];
const REACTIONS = [...CLASSIC, ...CLASSIC.map((c) => `-${c}`)];

/** What `associatedMessageType` the human's message gets: a classic name, or an Apple code. */
export type FakeReactionType = Classic | `-${Classic}` | 1000 | 2006 | 3006 | 2007 | 3007;

/**
 * How a new message is webhooked: once; also as updated-message; not at all (the server
 * never retries); or held until `release` (so a test or the soak decides the order, the
 * delay and the duplicates the network would).
 */
export type WebhookMode = "once" | "duplicate" | "drop" | "hold";

export interface FakeMode {
  /** Delay before answering message/text, message/multipart and message/react. */
  latencyMs: number;
  /**
   * Delay between the Mac recording a sent message and the server answering: the real server
   * waits (up to 60 s) for the message to show in the Mac's database, where a query sees it.
   */
  confirmDelayMs: number;
  /** Private API enabled but its helper not connected (server info says so; sends fail). */
  helperDown: boolean;
  /** Private API disabled in the server's settings. */
  privateApiOff: boolean;
  /**
   * Sends end in an answer that does not tell what happened: 500 "Reaction Send Error" (or
   * "Message Send Error") or 504. `happened` says whether the Mac really sent it (then the
   * message exists and is webhooked per `webhooks`, so reconciliation can find it).
   */
  unknownOutcome: null | { status: 500 | 504; happened: boolean; on?: "react" | "send" | "all" };
  /** Decides per send, when `unknownOutcome` does not apply: the soak's seeded chaos. */
  outcomeFor: null | ((route: "react" | "send") => { status: 500 | 504; happened: boolean } | null);
  /** How each new message is webhooked: once, also as updated-message, or not at all. */
  webhooks: WebhookMode;
  /** Whether the echo of the app's tapback is webhooked before or after the HTTP answer. */
  echo: "after-response" | "before-response";
  /** Service prefix of chats the human opens: `iMessage;-;…`, `any;-;…` or `SMS;-;…`. */
  chatGuidPrefix: "iMessage" | "any" | "SMS";
  password: string;
}

export interface ImageSpec {
  fileName?: string;
  mimeType?: string;
  width?: number;
  height?: number;
  bytes?: Uint8Array;
}

export interface FakeCall {
  method: string;
  path: string;
  /** Query parameters without the password (`guid`, `password`, `token`). */
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** When the request arrived (Date.now()). */
  at?: number;
}

export interface FakeDelivery {
  url: string;
  type: string;
  guid: string;
  status: number | null;
  error?: string;
}

export interface Serialized {
  guid: string;
  [key: string]: unknown;
}

interface StoredAttachment {
  rowid: number;
  guid: string;
  mimeType: string;
  uti: string;
  transferName: string;
  width: number;
  height: number;
  bytes: Uint8Array;
  isSticker: boolean;
  isOutgoing: boolean;
}

interface StoredPart {
  text?: string;
  attachmentGuid?: string;
}

interface StoredMessage {
  rowid: number;
  guid: string;
  chatGuid: string;
  address: string;
  isFromMe: boolean;
  parts: StoredPart[];
  /** Overrides the text built from the parts (tapback messages). */
  text: string | null;
  dateCreated: number;
  associatedMessageGuid: string | null;
  associatedMessageType: string | null;
  associatedMessageEmoji: string | null;
}

interface StoredChat {
  rowid: number;
  guid: string;
  address: string;
}

interface StoredWebhook {
  id: number;
  url: string;
  events: string[];
  created: string;
}

interface ReactInput {
  target: string;
  partIndex?: number;
  /** How the target is written: `p:N/GUID` (default), `bp:GUID`, or the bare guid. */
  form?: "p" | "bp" | "bare";
  type: FakeReactionType;
  /** For 2006/3006. */
  emoji?: string;
  /** Also send `associatedMessageEmoji` (the server at the time of writing does not). */
  emojiField?: boolean;
  /** For 1000/2007: the sticker's image. */
  image?: ImageSpec;
  webhooks?: WebhookMode;
}

export interface FakeBlueBubbles {
  url: string;
  password: string;
  calls: FakeCall[];
  deliveries: FakeDelivery[];
  human: {
    /** The human sends a message from `from` (opening the chat on first contact). */
    send(input: {
      from: string;
      parts: Array<{ text: string } | { image: ImageSpec }>;
      chatGuidPrefix?: FakeMode["chatGuidPrefix"];
      webhooks?: WebhookMode;
    }): Promise<Serialized>;
    react(input: ReactInput): Promise<Serialized>;
  };
  mac: {
    /** Someone using Messages.app on the Mac itself reacts (isFromMe, like the agent). */
    react(input: ReactInput): Promise<Serialized>;
  };
  setMode(mode: Partial<FakeMode>): void;
  mode(): FakeMode;
  /** A message as `GET /message/:guid?with=chats,attachments` answers it; null if unknown. */
  message(guid: string): Serialized | null;
  /** Every message, oldest first, in the full (non-notification) form. */
  messages(): Serialized[];
  /**
   * How many tapbacks `POST /message/react` has made on `guid` (the Mac's record of what it was
   * asked to send, not what someone on the Mac itself did), unknown outcomes that happened included.
   */
  reactionsSentOn(guid: string): number;
  webhooks(): Array<{ id: number; url: string; events: string[] }>;
  /** Re-sends a stored message's webhook, e.g. to replay a delivery. */
  redeliver(guid: string, type?: "new-message" | "updated-message"): Promise<void>;
  waitForCall(predicate: (call: FakeCall) => boolean, timeoutMs?: number): Promise<FakeCall>;
  /** Calls received and not yet answered (status 0): a send waiting at the bridge. */
  inFlight(): FakeCall[];
  /** Resolves with a call that has arrived and is not answered yet. */
  waitForInFlight(predicate: (call: FakeCall) => boolean, timeoutMs?: number): Promise<FakeCall>;
  /** Forgets the calls and deliveries seen so far: call between tests, so none matches a stale one. */
  resetCalls(): void;
  /** Guids of the messages whose webhooks are held (mode "hold"), oldest first. */
  held(): string[];
  /** Sends the held webhooks of `guid` (all held when left out, in the order given), once each. */
  release(guid?: string): Promise<void>;
  /** Forgets the held webhooks of `guid` (or all): lost on the way, as BlueBubbles never retries. */
  dropHeld(guid?: string): void;
  /** Stops answering (connections cut) and starts again on the same port, keeping its data. */
  restart(downMs?: number): Promise<void>;
  /** Resolves when every webhook the fake started sending after an answer has been answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

// The smallest valid PNG (1×1), so a downloaded sticker is a real image.
const PNG_1X1 = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

const REACTION_TEXT: Record<string, string> = {
  love: "Loved",
  like: "Liked",
  dislike: "Disliked",
  laugh: "Laughed at",
  emphasize: "Emphasized",
  question: "Questioned",
  "-love": "Removed a heart from",
  "-like": "Removed a like from",
  "-dislike": "Removed a dislike from",
  "-laugh": "Removed a laugh from",
  "-emphasize": "Removed an exclamation from",
  "-question": "Removed a question mark from",
};

/** MessageTypeTransformer: names for the codes it knows, the decimal string otherwise. */
const TYPE_NAMES: Record<number, string> = { 1000: "sticker" };
CLASSIC.forEach((c, i) => {
  TYPE_NAMES[2000 + i] = c;
  TYPE_NAMES[3000 + i] = `-${c}`;
});

const WEBHOOK_EVENTS = [
  "*",
  "new-message",
  "updated-message",
  "message-send-error",
  "group-name-change",
  "group-icon-changed",
  "group-icon-removed",
  "participant-removed",
  "participant-added",
  "participant-left",
  "chat-read-status-changed",
  "typing-indicator",
  "scheduled-message-error",
  "server-update",
  "new-server",
  "new-findmy-location",
  "hello-world",
  "incoming-facetime",
  "ft-call-status-changed",
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

const unauthorized = (error: string) =>
  new HttpError(401, {
    status: 401,
    message: "You are not authorized to access this resource",
    error: { type: "Authentication Error", message: error },
  });
const badRequest = (error: string) =>
  new HttpError(400, {
    status: 400,
    message: "You've made a bad request! Please check your request params & body",
    error: { type: "Validation Error", message: error },
  });
const notFound = (error: string) =>
  new HttpError(404, {
    status: 404,
    message: "The requested resource was not found",
    error: { type: "Database Error", message: error },
  });
const imessageError = (message: string, error: string) =>
  new HttpError(500, { status: 500, message, error: { type: "iMessage Error", message: error } });
const unhandled = (error: string) =>
  new HttpError(500, {
    status: 500,
    message: "An unhandled error has occurred!",
    error: { type: "Server Error", message: error },
  });
const gatewayTimeout = () =>
  new HttpError(504, {
    status: 504,
    message: "The request timed-out after 300000!",
    error: { type: "Gateway Timeout", message: "The server took too long to respond and has timed-out!" },
  });

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "::1";
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeBlueBubbles(
  options: Partial<FakeMode> = {},
  /** A loopback address other than 127.0.0.1 (the DNS-rebinding tests), and a port. */
  listen: { host?: string; port?: number } = {},
): Promise<FakeBlueBubbles> {
  const mode: FakeMode = {
    latencyMs: 0,
    confirmDelayMs: 0,
    helperDown: false,
    privateApiOff: false,
    unknownOutcome: null,
    outcomeFor: null,
    webhooks: "once",
    echo: "after-response",
    chatGuidPrefix: "iMessage",
    password: randomBytes(12).toString("base64url"),
    ...options,
  };
  const calls: FakeCall[] = [];
  /** Tapbacks made through POST /message/react, by target guid. */
  const reactSends = new Map<string, number>();
  const deliveries: FakeDelivery[] = [];
  const chats: StoredChat[] = [];
  const messages: StoredMessage[] = [];
  const attachments = new Map<string, StoredAttachment>();
  const hooks: StoredWebhook[] = [];
  const sendCache = new Set<string>();
  let rowid = 0;
  let lastDate = 0;
  let hookId = 0;

  const pending = new Set<Promise<void>>();
  /** Webhooks sent after an HTTP answer run on their own; `settled()` waits for them. */
  const track = (p: Promise<void>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  const now = () => {
    lastDate = Math.max(Date.now(), lastDate + 1);
    return lastDate;
  };
  const newGuid = () => randomUUID().toUpperCase();
  const addressOf = (chatGuid: string) => chatGuid.split(";").slice(2).join(";");

  /** Chats are one per address whatever their service prefix, as Messages.app keeps them. */
  function chatFor(chatGuid: string): StoredChat {
    const address = addressOf(chatGuid);
    let chat = chats.find((c) => c.address === address);
    if (!chat) {
      chat = { rowid: ++rowid, guid: chatGuid, address };
      chats.push(chat);
    }
    return chat;
  }

  function addAttachment(spec: ImageSpec, opts: { sticker: boolean; outgoing: boolean }): StoredAttachment {
    const mimeType = spec.mimeType ?? "image/png";
    const a: StoredAttachment = {
      rowid: ++rowid,
      guid: newGuid(),
      mimeType,
      uti: mimeType === "image/png" ? "public.png" : mimeType === "image/jpeg" ? "public.jpeg" : "public.data",
      transferName: spec.fileName ?? (opts.sticker ? "sticker.png" : "IMG_0001.png"),
      width: spec.width ?? 1,
      height: spec.height ?? 1,
      bytes: spec.bytes ?? PNG_1X1,
      isSticker: opts.sticker,
      isOutgoing: opts.outgoing,
    };
    attachments.set(a.guid, a);
    return a;
  }

  function store(m: Omit<StoredMessage, "rowid" | "guid" | "dateCreated">): StoredMessage {
    const stored: StoredMessage = { ...m, rowid: ++rowid, guid: newGuid(), dateCreated: now() };
    messages.push(stored);
    return stored;
  }

  // --- serialization (MessageSerializer / ChatSerializer / AttachmentSerializer) ---------

  function bodyString(m: StoredMessage): string {
    return m.parts.map((p) => (p.attachmentGuid ? "\uFFFC" : (p.text ?? ""))).join("");
  }

  function serialize(
    m: StoredMessage,
    cfg: { chats: boolean; attachments: boolean; attributedBody: boolean; notification: boolean },
  ): Serialized {
    const chat = chats.find((c) => c.guid === m.chatGuid)!;
    const body = bodyString(m);
    const text = m.text ?? body.split("\uFFFC").join("").trim();
    const files = m.parts.flatMap((p) => (p.attachmentGuid ? [attachments.get(p.attachmentGuid)!] : []));
    const out: Serialized = {
      originalROWID: m.rowid,
      guid: m.guid,
      text,
      attributedBody: cfg.attributedBody ? attributedBody(m, body) : null,
      handle: {
        originalROWID: chat.rowid,
        address: m.address,
        service: "iMessage",
        ...(cfg.notification ? {} : { uncanonicalizedId: null, country: "us" }),
      },
      handleId: chat.rowid,
      otherHandle: 0,
      attachments: cfg.attachments ? files.map((a) => serializeAttachment(a, cfg.notification)) : [],
      subject: null,
      error: 0,
      dateCreated: m.dateCreated,
      dateRead: null,
      dateDelivered: m.isFromMe ? m.dateCreated : null,
      isDelivered: true,
      isFromMe: m.isFromMe,
      hasDdResults: false,
      isArchived: false,
      itemType: 0,
      groupTitle: null,
      groupActionType: 0,
      balloonBundleId: null,
      associatedMessageGuid: m.associatedMessageGuid,
      associatedMessageType: m.associatedMessageType,
      expressiveSendStyleId: null,
      threadOriginatorGuid: null,
      hasPayloadData: false,
    };
    if (m.associatedMessageEmoji) out.associatedMessageEmoji = m.associatedMessageEmoji;
    if (!cfg.notification) {
      Object.assign(out, {
        country: null,
        isDelayed: false,
        isAutoReply: false,
        isSystemMessage: false,
        isServiceMessage: false,
        isForward: false,
        threadOriginatorPart: null,
        isCorrupt: false,
        datePlayed: null,
        cacheRoomnames: null,
        isSpam: false,
        isExpired: false,
        timeExpressiveSendPlayed: null,
        isAudioMessage: false,
        replyToGuid: null,
        shareStatus: 0,
        shareDirection: 0,
        wasDeliveredQuietly: false,
        didNotifyRecipient: false,
      });
    }
    if (cfg.chats) {
      out.chats = [
        {
          originalROWID: chat.rowid,
          guid: chat.guid,
          style: 45,
          chatIdentifier: chat.address,
          isArchived: false,
          displayName: "",
          ...(cfg.notification ? {} : { isFiltered: false, groupId: "", properties: null, lastAddressedHandle: null }),
        },
      ];
    }
    Object.assign(out, {
      messageSummaryInfo: null,
      payloadData: null,
      dateEdited: null,
      dateRetracted: null,
      partCount: m.parts.length || 1,
    });
    return out;
  }

  function attributedBody(m: StoredMessage, body: string) {
    if (m.parts.length === 0) return null;
    let at = 0;
    const runs = m.parts.map((p, i) => {
      const length = p.attachmentGuid ? 1 : (p.text ?? "").length;
      const run = {
        range: [at, length],
        attributes: {
          __kIMMessagePartAttributeName: i,
          ...(p.attachmentGuid
            ? { __kIMFileTransferGUIDAttributeName: p.attachmentGuid, __kIMBaseWritingDirectionAttributeName: -1 }
            : { __kIMBaseWritingDirectionAttributeName: -1 }),
        },
      };
      at += length;
      return run;
    });
    return [{ string: body, runs }];
  }

  function serializeAttachment(a: StoredAttachment, notification: boolean) {
    return {
      originalROWID: a.rowid,
      guid: a.guid,
      uti: a.uti,
      mimeType: a.mimeType,
      transferName: a.transferName,
      totalBytes: a.bytes.length,
      ...(notification
        ? {}
        : {
            transferState: 5,
            isOutgoing: a.isOutgoing,
            hideAttachment: false,
            isSticker: a.isSticker,
            originalGuid: a.guid,
            hasLivePhoto: false,
          }),
      height: a.height,
      width: a.width,
      metadata: { height: a.height, width: a.width },
    };
  }

  const full = (m: StoredMessage) =>
    serialize(m, { chats: true, attachments: true, attributedBody: true, notification: false });

  // --- webhooks (WebhookService.dispatch: POST {type, data} to every matching URL) --------

  async function dispatch(type: string, data: Serialized): Promise<void> {
    const targets = hooks.filter((h) => h.events.includes("*") || h.events.includes(type));
    await Promise.all(
      targets.map(async (h) => {
        const delivery: FakeDelivery = { url: h.url, type, guid: data.guid, status: null };
        deliveries.push(delivery);
        if (!isLoopback(h.url)) {
          delivery.error = "refused: the fake only posts to loopback";
          return;
        }
        try {
          const res = await fetch(h.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type, data }),
            redirect: "manual",
            signal: AbortSignal.timeout(30_000),
          });
          delivery.status = res.status;
          await res.arrayBuffer().catch(() => undefined);
        } catch (err) {
          delivery.error = err instanceof Error ? err.message : String(err);
        }
      }),
    );
  }

  const heldHooks: Array<{ guid: string; type: string; data: Serialized }> = [];
  let restarting: Promise<void> = Promise.resolve();

  async function announce(m: StoredMessage, how: WebhookMode, tempGuid?: string): Promise<void> {
    if (how === "drop") return;
    const note = (chatsToo: boolean) =>
      serialize(m, { chats: chatsToo, attachments: true, attributedBody: false, notification: true });
    if (how === "hold") {
      heldHooks.push({ guid: m.guid, type: "new-message", data: tempGuid ? { ...note(true), tempGuid } : note(true) });
      return;
    }
    if (tempGuid) await dispatch("new-message", { ...note(true), tempGuid });
    await dispatch("new-message", note(true));
    if (how === "duplicate") await dispatch("updated-message", note(false));
  }

  // --- the human's phone and the Mac -------------------------------------------------------

  function quoteOf(target: StoredMessage, partIndex: number): string {
    const part = target.parts[partIndex] ?? target.parts[0];
    if (part?.attachmentGuid) {
      const mime = attachments.get(part.attachmentGuid)?.mimeType ?? "";
      return mime.startsWith("image") ? "an image" : mime.startsWith("video") ? "a movie" : "an attachment";
    }
    return `“${part?.text ?? target.text ?? ""}”`;
  }

  function createReaction(input: ReactInput, isFromMe: boolean): StoredMessage {
    const target = messages.find((m) => m.guid === input.target);
    if (!target) throw new Error(`fake-bluebubbles: no message ${input.target}`);
    const partIndex = input.partIndex ?? 0;
    const form = input.form ?? "p";
    const associatedMessageGuid =
      form === "bp" ? `bp:${target.guid}` : form === "bare" ? target.guid : `p:${partIndex}/${target.guid}`;
    const code = input.type;
    const typeName = typeof code === "number" ? (TYPE_NAMES[code] ?? String(code)) : code;
    const quote = quoteOf(target, partIndex);
    let text: string | null = null;
    const parts: StoredPart[] = [];
    if (typeof code === "string") text = `${REACTION_TEXT[code]} ${quote}`;
    else if (code === 2006) text = `Reacted ${input.emoji ?? "👍"} to ${quote}`;
    else if (code === 3006) text = `Removed ${input.emoji ?? "👍"} from ${quote}`;
    else if (code === 1000 || code === 2007) {
      const sticker = addAttachment(input.image ?? { width: 160, height: 160 }, { sticker: true, outgoing: isFromMe });
      parts.push({ attachmentGuid: sticker.guid });
      text = "";
    } else text = "";
    return store({
      chatGuid: target.chatGuid,
      address: target.address,
      isFromMe,
      parts,
      text,
      associatedMessageGuid,
      associatedMessageType: typeName,
      associatedMessageEmoji: input.emojiField && (code === 2006 || code === 3006) ? (input.emoji ?? "👍") : null,
    });
  }

  const human: FakeBlueBubbles["human"] = {
    async send(input) {
      const prefix = input.chatGuidPrefix ?? mode.chatGuidPrefix;
      const chat = chatFor(`${prefix};-;${input.from}`);
      const parts: StoredPart[] = input.parts.map((p) =>
        "image" in p ? { attachmentGuid: addAttachment(p.image, { sticker: false, outgoing: false }).guid } : p,
      );
      const m = store({
        chatGuid: chat.guid,
        address: chat.address,
        isFromMe: false,
        parts,
        text: null,
        associatedMessageGuid: null,
        associatedMessageType: null,
        associatedMessageEmoji: null,
      });
      await announce(m, input.webhooks ?? mode.webhooks);
      return full(m);
    },
    async react(input) {
      const m = createReaction(input, false);
      await announce(m, input.webhooks ?? mode.webhooks);
      return full(m);
    },
  };

  const mac: FakeBlueBubbles["mac"] = {
    async react(input) {
      const m = createReaction(input, true);
      await announce(m, input.webhooks ?? mode.webhooks);
      return full(m);
    },
  };

  // --- HTTP ---------------------------------------------------------------------------------

  function checkPrivateApi(): string | null {
    if (!mode.privateApiOff && !mode.helperDown) return null;
    return mode.privateApiOff
      ? "iMessage Private API is not enabled!"
      : "iMessage Private API Helper is not connected!";
  }

  function str(v: unknown): v is string {
    return typeof v === "string";
  }
  function numeric(v: unknown): boolean {
    return (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v));
  }
  function requireString(body: Record<string, unknown>, field: string) {
    if (body[field] === undefined || body[field] === null || body[field] === "") {
      throw badRequest(`The ${field} field is required.`);
    }
    if (!str(body[field])) throw badRequest(`The ${field} must be a string.`);
  }
  function minNumber(body: Record<string, unknown>, field: string, min: number, max?: number) {
    const v = body[field];
    if (v === undefined || v === null) return;
    if (!numeric(v)) throw badRequest(`The ${field} must be a number.`);
    if (Number(v) < min) throw badRequest(`The ${field} must be at least ${min}.`);
    if (max !== undefined && Number(v) > max) throw badRequest(`The ${field} may not be greater than ${max}.`);
  }

  function withList(raw: unknown): string[] {
    const items = Array.isArray(raw) ? raw.filter(str) : str(raw) ? raw.split(",") : [];
    return items.map((s) => s.trim().toLowerCase()).filter(Boolean);
  }

  async function unknownFor(route: "react" | "send", create: () => StoredMessage, tempGuid?: string): Promise<void> {
    const set = mode.unknownOutcome;
    const on = set?.on ?? "react";
    const u = set && (on === "all" || on === route) ? set : (mode.outcomeFor?.(route) ?? null);
    if (!u) return;
    if (u.happened) await announce(create(), mode.webhooks, tempGuid);
    if (u.status === 504) throw gatewayTimeout();
    throw route === "react"
      ? imessageError("Reaction Send Error", "Failed to send reaction! Message not found in database after 60 seconds!")
      : imessageError("Message Send Error", "Failed to send message! Message not found in database after 60 seconds!");
  }

  function appMessage(chatGuid: string, parts: StoredPart[]): StoredMessage {
    const chat = chatFor(chatGuid);
    return store({
      chatGuid: chat.guid,
      address: chat.address,
      isFromMe: true,
      parts,
      text: null,
      associatedMessageGuid: null,
      associatedMessageType: null,
      associatedMessageEmoji: null,
    });
  }

  type Answer = { status: number; json?: unknown; bytes?: Uint8Array; contentType?: string; after?: () => void };

  async function route(method: string, path: string, query: URLSearchParams, body: unknown): Promise<Answer> {
    const token = query.get("guid") ?? query.get("password") ?? query.get("token");
    if (!token) throw unauthorized("Missing server password!");
    if (token.trim() !== mode.password.trim()) throw unauthorized("Unauthorized");
    const b = (body && typeof body === "object" && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const ok = (data: unknown, message = "Success", metadata?: Record<string, unknown>): Answer => ({
      status: 200,
      json: { status: 200, message, ...(data !== undefined ? { data } : {}), ...(metadata ? { metadata } : {}) },
    });

    if (method === "GET" && path === "/server/info") {
      return ok({
        computer_id: "fake-mac",
        os_version: "15.5",
        server_version: "1.9.9",
        private_api: !mode.privateApiOff,
        proxy_service: "Dynamic DNS",
        helper_connected: !mode.privateApiOff && !mode.helperDown,
        detected_icloud: "agent@icloud.com",
        detected_imessage: "agent@icloud.com",
        macos_time_sync: null,
        local_ipv4s: ["127.0.0.1"],
        local_ipv6s: [],
      });
    }

    if (path === "/webhook" && method === "GET") {
      const url = query.get("url");
      if (url) {
        // The server's repository answers [null] for an unknown URL and then fails on it.
        const hit = hooks.find((h) => h.url === url);
        if (!hit) throw unhandled("Cannot read properties of null (reading 'events')");
        return ok([hit], "Successfully fetched webhooks!");
      }
      return ok(hooks, "Successfully fetched webhooks!");
    }
    if (path === "/webhook" && method === "POST") {
      if (b.url === undefined || b.url === null) throw badRequest("The url field is required.");
      if (!str(b.url)) throw badRequest("The url must be a string.");
      if (!Array.isArray(b.events)) throw badRequest("The events field is required.");
      if (b.url.length === 0) throw badRequest("Webhook URL is required!");
      if (!b.url.startsWith("http")) throw badRequest("Webhook URL must include an HTTP scheme!");
      for (const e of b.events) {
        if (!str(e)) throw badRequest("Webhook events must be strings!");
        if (!WEBHOOK_EVENTS.includes(e)) {
          throw badRequest(`Invalid webhook event: ${e}! Webhook must be one of: ${WEBHOOK_EVENTS.join(",")}`);
        }
      }
      // One registration per URL: a known URL gets its old registration back, unchanged.
      let hook = hooks.find((h) => h.url === b.url);
      if (!hook) {
        hook = { id: ++hookId, url: b.url, events: [...(b.events as string[])], created: new Date().toISOString() };
        hooks.push(hook);
      }
      return ok(hook, "Successfully created webhook!");
    }
    const hookDelete = /^\/webhook\/([^/]+)$/.exec(path);
    if (hookDelete && method === "DELETE") {
      const i = hooks.findIndex((h) => h.id === Number.parseInt(hookDelete[1]!, 10));
      if (i < 0) throw notFound("Webhook does not exist!");
      hooks.splice(i, 1);
      return ok(undefined, "Successfully deleted webhook!");
    }

    if (method === "POST" && path === "/message/text") {
      requireString(b, "chatGuid");
      if (!("message" in b)) throw badRequest("The message field must be present.");
      if (b.message !== null && !str(b.message)) throw badRequest("The message must be a string.");
      if (b.tempGuid !== undefined && !str(b.tempGuid)) throw badRequest("The tempGuid must be a string.");
      if (b.method !== undefined && !["apple-script", "private-api"].includes(String(b.method))) {
        throw badRequest("The selected method is invalid.");
      }
      minNumber(b, "partIndex", 0);
      const method = b.method ?? "apple-script";
      if (method === "apple-script" && !b.tempGuid) {
        throw badRequest("A 'tempGuid' is required when sending via AppleScript");
      }
      if (method === "private-api" && !b.message && !b.subject) {
        throw badRequest("A 'message' or 'subject' is required when sending via the Private API");
      }
      const tempGuid = b.tempGuid as string | undefined;
      if (tempGuid && sendCache.has(tempGuid)) {
        throw badRequest(`Message is already queued to be sent! (Temp GUID: ${tempGuid})`);
      }
      if (tempGuid) sendCache.add(tempGuid);
      try {
        if (method === "private-api") {
          const down = checkPrivateApi();
          if (down) throw imessageError("Message Send Error", down);
        }
        if (mode.latencyMs > 0) await sleep(mode.latencyMs);
        const parts = [{ text: String(b.message ?? "") }];
        await unknownFor("send", () => appMessage(String(b.chatGuid), parts), tempGuid);
        const m = appMessage(String(b.chatGuid), parts);
        if (mode.confirmDelayMs > 0) await sleep(mode.confirmDelayMs);
        return {
          ...ok({ ...full(m), ...(tempGuid ? { tempGuid } : {}) }, "Message sent!"),
          after: () => track(announce(m, mode.webhooks, tempGuid)),
        };
      } finally {
        if (tempGuid) sendCache.delete(tempGuid);
      }
    }

    if (method === "POST" && path === "/message/multipart") {
      requireString(b, "chatGuid");
      if (!Array.isArray(b.parts)) throw badRequest("The parts field is required.");
      minNumber(b, "partIndex", 0);
      for (const part of b.parts as unknown[]) {
        if (typeof part !== "object" || part === null) throw badRequest("Each part must be a dictionary");
        const p = part as Record<string, unknown>;
        if (p.partIndex === undefined || p.partIndex === null) throw badRequest("Each part must have a partIndex");
        if (typeof p.partIndex !== "number") throw badRequest("Each partIndex must be a number");
        if (!p.text && !p.attachment) throw badRequest("Each part must have either a text or attachment");
        if (p.attachment && !p.name) throw badRequest("Each attachment must have a name");
        // Attachments must be uploaded first (POST /attachment/upload), which this fake does not offer.
        if (p.attachment) throw badRequest(`Attachment '${String(p.attachment)}' does not exist`);
        if (p.mention && !p.text) throw badRequest("A mention must have text");
      }
      const down = checkPrivateApi();
      if (down) throw imessageError("Message Send Error", down);
      if (mode.latencyMs > 0) await sleep(mode.latencyMs);
      const parts = (b.parts as Array<{ text: string }>).map((p) => ({ text: String(p.text) }));
      const tempGuid = str(b.tempGuid) && b.tempGuid ? b.tempGuid : undefined;
      await unknownFor("send", () => appMessage(String(b.chatGuid), parts), tempGuid);
      const m = appMessage(String(b.chatGuid), parts);
      return {
        ...ok({ ...full(m), ...(tempGuid ? { tempGuid } : {}) }, "Message sent!"),
        after: () => track(announce(m, mode.webhooks, tempGuid)),
      };
    }

    if (method === "POST" && path === "/message/react") {
      // PrivateApiMiddleware runs before the validator.
      const down = checkPrivateApi();
      if (down) {
        throw imessageError(
          "Please make sure you have completed the setup for the Private API, and your helper is connected!",
          down,
        );
      }
      requireString(b, "chatGuid");
      requireString(b, "selectedMessageGuid");
      requireString(b, "reaction");
      if (!REACTIONS.includes(String(b.reaction))) throw badRequest("The selected reaction is invalid.");
      minNumber(b, "partIndex", 0);
      const target = messages.find((m) => m.guid === b.selectedMessageGuid);
      if (!target) throw badRequest("Selected message does not exist!");
      if (mode.latencyMs > 0) await sleep(mode.latencyMs);
      const input: ReactInput = {
        target: target.guid,
        partIndex: Number(b.partIndex ?? 0),
        type: b.reaction as FakeReactionType,
      };
      const sent = () => {
        reactSends.set(target.guid, (reactSends.get(target.guid) ?? 0) + 1);
        return createReaction(input, true);
      };
      await unknownFor("react", sent);
      const m = sent();
      if (mode.echo === "before-response") {
        await announce(m, mode.webhooks);
        return ok(full(m), "Reaction sent!");
      }
      return { ...ok(full(m), "Reaction sent!"), after: () => track(announce(m, mode.webhooks)) };
    }

    if (method === "POST" && path === "/message/query") {
      if (b.with !== undefined && !Array.isArray(b.with)) throw badRequest("The with must be an array.");
      if (b.sort !== undefined && !["ASC", "DESC"].includes(String(b.sort))) {
        throw badRequest("The selected sort is invalid.");
      }
      minNumber(b, "after", 0);
      minNumber(b, "before", 1);
      minNumber(b, "offset", 0);
      minNumber(b, "limit", 1, 1000);
      const withs = withList(b.with);
      const offset = b.offset !== undefined ? Number.parseInt(String(b.offset), 10) : 0;
      const limit = b.limit !== undefined ? Number.parseInt(String(b.limit), 10) : 100;
      // Only a JSON number is turned into a date by the server; `after` is inclusive.
      const after = typeof b.after === "number" ? b.after : null;
      const before = typeof b.before === "number" ? b.before : null;
      let rows = messages.filter(
        (m) =>
          (after === null || m.dateCreated >= after) &&
          (before === null || m.dateCreated <= before) &&
          (!str(b.chatGuid) || m.chatGuid === b.chatGuid),
      );
      rows = rows.sort((x, y) => (b.sort === "ASC" ? x.dateCreated - y.dateCreated : y.dateCreated - x.dateCreated));
      const page = rows.slice(offset, offset + limit);
      const data = page.map((m) =>
        serialize(m, {
          chats: withs.includes("chat") || withs.includes("chats"),
          attachments: withs.includes("attachment") || withs.includes("attachments"),
          attributedBody: withs.includes("attributedbody") || withs.includes("attributed-body"),
          notification: false,
        }),
      );
      return ok(data, "Successfully fetched messages!", { offset, limit, total: rows.length, count: data.length });
    }

    const find = /^\/message\/([^/]+)$/.exec(path);
    if (find && method === "GET") {
      const guid = decodeURIComponent(find[1]!);
      const m = messages.find((x) => x.guid === guid);
      if (!m) throw notFound("Message does not exist!");
      const withs = withList(query.get("with") ?? "");
      return ok(
        serialize(m, {
          chats: withs.includes("chats") || withs.includes("chat"),
          attachments: withs.includes("attachment") || withs.includes("attachments"),
          attributedBody: withs.includes("attributedbody") || withs.includes("attributed-body"),
          notification: false,
        }),
      );
    }

    const download = /^\/attachment\/([^/]+)\/download$/.exec(path);
    if (download && method === "GET") {
      const a = attachments.get(decodeURIComponent(download[1]!));
      if (!a) {
        // With the Private API on, the server tries a forced download of the missing row and
        // then fails on it; without, it answers 404.
        if (mode.privateApiOff) throw notFound("Attachment does not exist!");
        throw unhandled("Cannot read properties of null (reading 'filePath')");
      }
      return { status: 200, bytes: a.bytes, contentType: a.mimeType };
    }

    return { status: 404, json: undefined };
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!["guid", "password", "token"].includes(k)) query[k] = v;
    const call: FakeCall = {
      method: req.method ?? "GET",
      path: url.pathname,
      query,
      body: undefined,
      status: 0,
      at: Date.now(),
    };
    calls.push(call);
    let answer: Answer;
    try {
      if (raw) {
        try {
          call.body = JSON.parse(raw);
        } catch {
          throw badRequest("Invalid JSON body");
        }
      }
      if (!url.pathname.startsWith("/api/v1/")) answer = { status: 404 };
      else answer = await route(call.method, url.pathname.slice("/api/v1".length), url.searchParams, call.body);
    } catch (err) {
      if (err instanceof HttpError) answer = { status: err.status, json: err.body };
      else answer = { status: 500, json: unhandled(String(err)).body };
    }
    call.status = answer.status;
    if (answer.bytes) {
      res.writeHead(answer.status, { "content-type": answer.contentType ?? "application/octet-stream" });
      res.end(Buffer.from(answer.bytes));
    } else if (answer.json !== undefined) {
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(answer.json));
    } else {
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end("Not Found");
    }
    answer.after?.();
  });

  const host = listen.host ?? "127.0.0.1";
  await new Promise<void>((resolve) => server.listen(listen.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeBlueBubbles = {
    url: `http://${host}:${port}`,
    get password() {
      return mode.password;
    },
    calls,
    deliveries,
    human,
    mac,
    setMode(next) {
      Object.assign(mode, next);
    },
    mode: () => ({ ...mode }),
    message(guid) {
      const m = messages.find((x) => x.guid === guid);
      return m ? full(m) : null;
    },
    messages: () => [...messages].sort((a, b) => a.dateCreated - b.dateCreated).map(full),
    reactionsSentOn: (guid) => reactSends.get(guid) ?? 0,
    webhooks: () => hooks.map((h) => ({ id: h.id, url: h.url, events: [...h.events] })),
    async redeliver(guid, type = "new-message") {
      const m = messages.find((x) => x.guid === guid);
      if (!m) throw new Error(`fake-bluebubbles: no message ${guid}`);
      await dispatch(
        type,
        serialize(m, { chats: type === "new-message", attachments: true, attributedBody: false, notification: true }),
      );
    },
    held: () => heldHooks.map((h) => h.guid),
    async release(guid) {
      const picked = heldHooks.filter((h) => guid === undefined || h.guid === guid);
      for (const h of picked) heldHooks.splice(heldHooks.indexOf(h), 1);
      for (const h of picked) await dispatch(h.type, h.data);
    },
    dropHeld(guid) {
      for (let i = heldHooks.length - 1; i >= 0; i--)
        if (guid === undefined || heldHooks[i]!.guid === guid) heldHooks.splice(i, 1);
    },
    restart(downMs = 0) {
      // One restart at a time: a second one asked for while the Mac is down waits for it to be
      // back (closing and listening twice at once is an error).
      restarting = restarting.then(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (downMs > 0) await sleep(downMs);
        await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
      });
      return restarting;
    },
    async settled() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async waitForCall(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = calls.find((c) => c.status !== 0 && predicate(c));
        if (hit) return hit;
        if (Date.now() > deadline) {
          throw new Error(
            `fake-bluebubbles: no such call within ${timeoutMs} ms; got ${calls.map((c) => `${c.method} ${c.path}`).join(", ")}`,
          );
        }
        await sleep(20);
      }
    },
    inFlight: () => calls.filter((c) => c.status === 0),
    async waitForInFlight(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = calls.find((c) => c.status === 0 && predicate(c));
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`fake-bluebubbles: no such call in flight within ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    resetCalls() {
      calls.length = 0;
      deliveries.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
