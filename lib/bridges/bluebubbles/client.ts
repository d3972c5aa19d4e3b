import type { AppleTapbackName } from "../../tapbacks/rules";
import * as z from "../../zod";
import { isSafeText } from "../../zod";
import {
  type BbEnvelope,
  type BbMessage,
  type BbWebhook,
  bbEnvelope,
  bbMessage,
  bbServerInfo,
  bbWebhook,
} from "./schemas";

/**
 * An HTTP client for one BlueBubbles server (one Mac, one iMessage identity).
 *
 * The server takes its password in the query string, so every URL this client builds
 * carries it; none of them ever leaves this file: errors carry plain sentences, never the
 * URL, the request or the underlying network error.
 */

export interface BlueBubblesConfig {
  /** Base URL of the server, e.g. `https://mac.example.com` (a path prefix is kept). */
  url: string;
  password: string;
  /**
   * Per-request limit. The server itself waits up to 60 s for the Mac to confirm a send or
   * a tapback before it answers, so the default leaves it time to give its own answer.
   */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_TIMEOUT_MS = 75_000;

/**
 * `failed`: nothing happened on the Mac (refused, unreachable, timed out, helper down).
 * `unknown`: the Mac may have sent it; only reading the bridge's messages later can tell.
 */
export type BlueBubblesOutcome = "failed" | "unknown";

export class BlueBubblesError extends Error {
  readonly outcome: BlueBubblesOutcome;
  /** HTTP status the bridge answered with; absent when no answer arrived. */
  readonly status?: number;
  /** The bridge's `error.type` ("iMessage Error", "Validation Error" …), when it gave one. */
  readonly errorType?: string;
  constructor(sentence: string, opts: { outcome: BlueBubblesOutcome; status?: number; errorType?: string }) {
    super(sentence);
    this.name = "BlueBubblesError";
    this.outcome = opts.outcome;
    this.status = opts.status;
    this.errorType = opts.errorType;
  }
  /** The plain sentence, for the dashboard and problem+json `detail`. */
  get sentence(): string {
    return this.message;
  }
}

export interface ServerInfo {
  privateApi: boolean;
  helperConnected: boolean;
  serverVersion?: string;
  osVersion?: string;
  /** The iMessage account the Mac is signed in to, when the server detects it. */
  detectedImessage?: string;
}

/** A send's result: the bridge's guid for the new message, and the message as it answered. */
export interface SendResult {
  guid: string | null;
  message: BbMessage | null;
}

/**
 * One part of a multipart send. An attachment must first be uploaded with
 * `POST /api/v1/attachment/upload` (Private API); `attachment` is the path that upload
 * answers and `name` the file name the recipient sees.
 */
export type MultipartPart = { text: string } | { attachment: string; name: string };

export const MESSAGE_EVENTS = ["new-message", "updated-message"] as const;

/** What Tapdesk reads of a message: its chat (for the chat guid), its attachments, its parts. */
const WITH = ["chats", "attachments", "attributedBody"];

const PRIVATE_API_DOWN = /private api is not enabled|helper is not connected|setup for the private api/i;
/** Answers of the send routes where the Mac may have acted before the error (see `classify`). */
const SEND_ERRORS = new Set(["Reaction Send Error", "Message Send Error", "Attachment Send Error"]);
/** Routes that make the Mac send something. */
const SEND_ROUTES = new Set(["/message/text", "/message/multipart", "/message/react"]);
/** Errors of the connection phase: the request never reached the bridge. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function neverConnected(err: unknown): boolean {
  const code = networkCode(err);
  if (code && CONNECT_CODES.has(code)) return true;
  // A redirect is refused before anything is sent on.
  return causes(err).some((c) => c instanceof Error && /redirect/i.test(c.message));
}

export class BlueBubblesClient {
  private readonly base: string;
  private readonly password: string;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(config: BlueBubblesConfig) {
    const parsed = URL.canParse(config.url) ? new URL(config.url) : null;
    if (!parsed) throw new BlueBubblesError("The bridge URL is not a valid URL.", { outcome: "failed" });
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new BlueBubblesError("The bridge URL must start with http:// or https://.", { outcome: "failed" });
    }
    parsed.search = "";
    parsed.hash = "";
    this.base = parsed.toString().replace(/\/+$/, "");
    this.password = config.password;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = config.fetch ?? fetch;
  }

  async serverInfo(): Promise<ServerInfo> {
    const env = await this.request("GET", "/server/info");
    const info = parseData(bbServerInfo, env, "server information");
    return {
      privateApi: info.private_api === true,
      helperConnected: info.helper_connected === true,
      serverVersion: info.server_version ?? undefined,
      osVersion: info.os_version ?? undefined,
      detectedImessage: info.detected_imessage ?? undefined,
    };
  }

  async listWebhooks(): Promise<BbWebhook[]> {
    // Unfiltered on purpose: the server's `?url=` filter fails with a 500 when nothing matches.
    const env = await this.request("GET", "/webhook");
    return parseData(z.array(bbWebhook), env, "webhook list");
  }

  /**
   * Registers `url` for `events` unless it already is. The server keeps one registration per
   * URL and answers a second POST for a known URL with the old registration unchanged, so a
   * registration with missing events is deleted and created again.
   */
  async ensureWebhook(
    url: string,
    events: readonly string[] = MESSAGE_EVENTS,
  ): Promise<{ id: number; created: boolean }> {
    const existing = (await this.listWebhooks()).find((w) => w.url === url);
    if (existing && (existing.events.includes("*") || events.every((e) => existing.events.includes(e)))) {
      return { id: existing.id, created: false };
    }
    if (existing) await this.request("DELETE", `/webhook/${existing.id}`);
    const env = await this.request("POST", "/webhook", { url, events: [...events] });
    return { id: parseData(bbWebhook, env, "webhook").id, created: true };
  }

  /** Sends one text through the Private API; `tempGuid` comes back on the bridge's echo. */
  async sendText(input: { chatGuid: string; text: string; tempGuid: string }): Promise<SendResult> {
    const env = await this.request("POST", "/message/text", {
      chatGuid: input.chatGuid,
      message: input.text,
      tempGuid: input.tempGuid,
      method: "private-api",
    });
    return sent(env);
  }

  /** Sends several parts as one message (the server always uses the Private API for this). */
  async sendMultipart(input: { chatGuid: string; parts: MultipartPart[]; tempGuid?: string }): Promise<SendResult> {
    const env = await this.request("POST", "/message/multipart", {
      chatGuid: input.chatGuid,
      ...(input.tempGuid ? { tempGuid: input.tempGuid } : {}),
      parts: input.parts.map((part, partIndex) => ({ partIndex, ...part })),
    });
    return sent(env);
  }

  /** Places (`love`) or removes (`-love`) a classic tapback on one part of a message. */
  async react(input: {
    chatGuid: string;
    selectedMessageGuid: string;
    reaction: AppleTapbackName;
    partIndex: number;
  }): Promise<SendResult> {
    const env = await this.request("POST", "/message/react", {
      chatGuid: input.chatGuid,
      selectedMessageGuid: input.selectedMessageGuid,
      reaction: input.reaction,
      partIndex: input.partIndex,
    });
    return sent(env);
  }

  /** The message as the bridge stores it now, with its chats and attachments; null if unknown. */
  async getMessage(guid: string): Promise<BbMessage | null> {
    try {
      const env = await this.request("GET", `/message/${encodeURIComponent(guid)}`, undefined, {
        with: WITH.join(","),
      });
      return parseData(bbMessage, env, "message");
    } catch (err) {
      if (err instanceof BlueBubblesError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * Messages created at or after `after` (epoch milliseconds, inclusive), oldest first.
   * Messages that fail to parse are skipped and counted, not fatal: one odd row must not stop
   * reconciliation of the rest.
   */
  async queryMessages(input: {
    after: number;
    limit?: number;
    offset?: number;
  }): Promise<{ messages: BbMessage[]; total: number | null; skipped: number }> {
    const env = await this.request("POST", "/message/query", {
      with: WITH,
      after: Math.max(0, Math.floor(input.after)),
      sort: "ASC",
      limit: input.limit ?? 100,
      offset: input.offset ?? 0,
    });
    const rows = parseData(z.array(z.unknown()), env, "message list");
    const messages: BbMessage[] = [];
    for (const row of rows) {
      const parsed = bbMessage.safeParse(row);
      if (parsed.success) messages.push(parsed.data);
    }
    const total = typeof env.metadata?.total === "number" ? env.metadata.total : null;
    return { messages, total, skipped: rows.length - messages.length };
  }

  /** The attachment's bytes, converted by the server to a browser-friendly type (HEIC → JPEG). */
  async downloadAttachment(guid: string): Promise<{ bytes: Uint8Array; contentType: string }> {
    const res = await this.send("GET", `/attachment/${encodeURIComponent(guid)}/download`);
    if (!res.ok) throw await failure(res, this.password);
    const bytes = new Uint8Array(await this.read(res, () => res.arrayBuffer()));
    return { bytes, contentType: res.headers.get("content-type") ?? "application/octet-stream" };
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    query?: Record<string, string>,
  ): Promise<BbEnvelope> {
    const res = await this.send(method, path, body, query);
    if (!res.ok) throw await failure(res, this.password);
    const json = await this.read(res, async () => JSON.parse(await res.text(), storable)).catch((err) => {
      if (err instanceof BlueBubblesError) throw err;
      throw new BlueBubblesError("The bridge answered with something that is not BlueBubbles JSON.", {
        outcome: "unknown",
        status: res.status,
      });
    });
    const env = bbEnvelope.safeParse(json);
    if (!env.success) {
      throw new BlueBubblesError("The bridge answered with something that is not a BlueBubbles response.", {
        outcome: "unknown",
        status: res.status,
      });
    }
    return env.data;
  }

  private async send(method: string, path: string, body?: unknown, query?: Record<string, string>): Promise<Response> {
    const url = new URL(`${this.base}/api/v1${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    url.searchParams.set("password", this.password);
    try {
      return await this.fetchImpl(url, {
        method,
        headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: "error",
      });
    } catch (err) {
      const error = this.networkError(err);
      // A send the bridge may have received before the connection broke, or that outlived
      // our timeout, may have reached the Mac: unknown. Only a connection never made is a failure.
      if (SEND_ROUTES.has(path) && !neverConnected(err)) {
        throw new BlueBubblesError(`${error.sentence} The Mac may still have sent it.`, { outcome: "unknown" });
      }
      throw error;
    }
  }

  /** Reads a body under the same timeout; a body cut short is a network failure. */
  private async read<T>(res: Response, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof SyntaxError) throw err;
      // A success whose body was cut off still happened on the Mac.
      throw new BlueBubblesError(this.networkError(err).message, {
        outcome: res.ok ? "unknown" : "failed",
        status: res.status,
      });
    }
  }

  private networkError(err: unknown): BlueBubblesError {
    const name = err instanceof Error ? err.name : "";
    if (name === "TimeoutError" || name === "AbortError") {
      return new BlueBubblesError(`The bridge did not answer within ${Math.round(this.timeoutMs / 1000)} s.`, {
        outcome: "failed",
      });
    }
    if (causes(err).some((c) => c instanceof Error && /redirect/i.test(c.message))) {
      // Following a redirect would hand the password to wherever it points.
      return new BlueBubblesError("The bridge answered with a redirect; link it with the URL it redirects to.", {
        outcome: "failed",
      });
    }
    // Only the error code is kept: messages of network errors can quote the address.
    const code = networkCode(err);
    return new BlueBubblesError(`The bridge could not be reached${code ? ` (${code})` : ""}.`, { outcome: "failed" });
  }
}

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let cur = err; out.length < 4 && cur && typeof cur === "object"; cur = (cur as { cause?: unknown }).cause) {
    out.push(cur);
  }
  return out;
}

function networkCode(err: unknown): string | null {
  for (const c of causes(err)) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  }
  return null;
}

function sent(env: BbEnvelope): SendResult {
  const message = bbMessage.safeParse(env.data);
  if (message.success) return { guid: message.data.guid, message: message.data };
  const guid = (env.data as { guid?: unknown } | null | undefined)?.guid;
  return { guid: typeof guid === "string" && guid ? guid : null, message: null };
}

function parseData<T>(schema: z.ZodType<T>, env: BbEnvelope, what: string): T {
  const parsed = schema.safeParse(env.data);
  if (!parsed.success) {
    throw new BlueBubblesError(`The bridge answered with an unexpected ${what}.`, {
      outcome: "unknown",
      status: env.status,
    });
  }
  return parsed.data;
}

/**
 * Maps an error answer to an outcome. The server answers every failure of its send routes
 * with 500 and error type "iMessage Error"; they differ in `message`:
 * - the Private API check ("Please make sure you have completed the setup for the Private
 *   API…", or the send error carrying "iMessage Private API is not enabled!" / "… Helper is
 *   not connected!") runs before anything reaches Messages.app: nothing happened;
 * - "Reaction Send Error" / "Message Send Error" come after the Mac was asked to send (no
 *   confirmation within 60 s, or the helper failed mid-way): it may have happened;
 * - "Message sent with an error" means Messages.app recorded the send as failed.
 * 504 is the server's own request timeout while the send was running: it may have happened.
 */
async function failure(res: Response, password: string): Promise<BlueBubblesError> {
  const status = res.status;
  let env: BbEnvelope | null = null;
  try {
    const parsed = bbEnvelope.safeParse(JSON.parse(await res.text()));
    env = parsed.success ? parsed.data : null;
  } catch {
    env = null;
  }
  const detail = scrub([env?.error?.message, env?.message].find((s) => s?.trim()) ?? "", password);
  const errorType = env?.error?.type;
  const said = detail ? `: ${detail}` : ".";
  if (status === 401 || status === 403) {
    return new BlueBubblesError("The bridge refused the password.", { outcome: "failed", status, errorType });
  }
  if (status === 504) {
    return new BlueBubblesError("The bridge timed out while sending; the Mac may still have sent it.", {
      outcome: "unknown",
      status,
      errorType,
    });
  }
  if (status === 500 && env) {
    const text = `${env.message} ${env.error?.message ?? ""}`;
    if (PRIVATE_API_DOWN.test(text)) {
      return new BlueBubblesError(
        `The bridge's Private API is off or its helper is not connected${scrubbedError(env, password)}`,
        { outcome: "failed", status, errorType },
      );
    }
    if (SEND_ERRORS.has(env.message)) {
      return new BlueBubblesError(`The bridge could not confirm the send${said}`, {
        outcome: "unknown",
        status,
        errorType,
      });
    }
  }
  if (status === 400 || status === 404) {
    return new BlueBubblesError(`The bridge rejected the request${said}`, { outcome: "failed", status, errorType });
  }
  return new BlueBubblesError(`The bridge answered HTTP ${status}${said}`, { outcome: "failed", status, errorType });
}

function scrubbedError(env: BbEnvelope, password: string): string {
  const m = env.error?.message?.trim();
  return m ? `: ${scrub(m, password)}` : ".";
}

/** The server may echo request fields in error messages; the password must never travel on. */
function scrub(text: string, password: string): string {
  const clipped = text.slice(0, 300);
  return password ? clipped.split(password).join("***") : clipped;
}

/**
 * What the Mac reports is what a person typed: a NUL or a lone surrogate in it cannot be
 * stored (PostgreSQL text) or encoded (UTF-8), so each becomes U+FFFD rather than losing the
 * whole message.
 */
function storable(_key: string, value: unknown): unknown {
  return typeof value === "string" && !isSafeText(value) ? value.replace(/[\0\uD800-\uDFFF]/gu, "\uFFFD") : value;
}
