import { type ApiCaller, authenticateApiKey, bearerToken } from "../auth/api-keys";
import { clientAddress, throttles, tryAgainSentence } from "../auth/throttle";
import type { Db } from "../db/client";
import { db } from "../db/client";
import { AppError, ERRORS, type ErrorCode, type FieldError } from "../errors";
import { isUuid } from "../ids";
import { currentRequestId, logger } from "../observability/log";
import type * as z from "../zod";
import {
  bindIdempotencyKey,
  claimIdempotencyKey,
  completeIdempotencyKey,
  MAX_KEY_LENGTH,
  releaseIdempotencyKey,
  requestFingerprint,
  type StoredResponse,
} from "./idempotency";
// The upstream each agent sends through is wired here (lib/compose.ts).
import "../compose";

/**
 * The HTTP edge of the API: problem+json errors (RFC 9457), bearer-key auth, bounded JSON
 * bodies validated by the shared zod schemas. Route handlers stay thin: parse, call lib/, map.
 */
export const MAX_BODY_BYTES = 64 * 1024;

/** The problem+json answer for `code`: status and title from the registry, `detail` its sentence unless given. */
/**
 * A refusal may quote what it refuses ("Unknown reaction \"x\udfff\""): a lone surrogate or NUL
 * quoted back would break the safe-text rule every answer keeps, so each becomes U+FFFD.
 */
function wellFormed(text: string): string {
  return text
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")
    .replaceAll("\u0000", "\uFFFD");
}

export function problem(
  code: ErrorCode,
  detail?: string,
  errors?: FieldError[],
  headers: Record<string, string> = {},
  extensions: Record<string, unknown> = {},
): Response {
  const meta = ERRORS[code];
  const body = {
    type: `https://tapdesk.dev/problems/${code.replaceAll("_", "-")}`,
    title: meta.title,
    status: meta.status,
    detail: wellFormed(detail ?? meta.sentence),
    code,
    ...(errors ? { errors: errors.map((e) => ({ field: wellFormed(e.field), message: wellFormed(e.message) })) } : {}),
    ...extensions,
    // The request's id, as in its X-Request-Id header and its log line.
    instance: currentRequestId(),
  };
  return new Response(JSON.stringify(body), {
    status: meta.status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Field errors from zod issues, each naming its field by dotted path (unknown fields each by name). */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return issueErrors(error.issues, []);
}

function issueErrors(issues: readonly z.core.$ZodIssue[], prefix: string[]): FieldError[] {
  return issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: [...at, key].join("."), message: "Unknown field." }));
    }
    // A value that matches no variant of a union (a message part that is neither text nor an
    // attachment): report the variant it came closest to, so the error names the inner field.
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      if (closest.length > 0) return issueErrors(closest, at);
    }
    return [{ field: at.length ? at.join(".") : "(body)", message: issue.message }];
  });
}

/**
 * Reads a JSON body of at most MAX_BODY_BYTES (413, 400 invalid_json otherwise). An optional
 * body may be left out, or blank: it reads as `{}`.
 */
export async function readJson(request: Request, optional = false): Promise<unknown> {
  const text = Buffer.from(await readBytes(request)).toString("utf8");
  if (optional && text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
}

/** The raw body, at most MAX_BODY_BYTES (413 above that, without reading the rest). */
export async function readBytes(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw new AppError("payload_too_large", tooLarge());
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new AppError("payload_too_large", tooLarge());
      }
      chunks.push(value);
    }
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function tooLarge() {
  return `Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB.`;
}

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError("validation_failed", "The request body does not match its schema.", fieldErrors(parsed.error));
  }
  return parsed.data;
}

/** Query parameters, validated like a body (validation_failed names each bad parameter). */
export function parseQuery<T extends z.ZodType>(schema: T, request: Request): z.infer<T> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) {
    throw new AppError("validation_failed", "The query parameters are not valid.", fieldErrors(parsed.error));
  }
  return parsed.data;
}

/** Path ids that are not UUIDs name nothing: the caller gets the resource's 404. */
export function pathId(value: string, notFound: ErrorCode = "not_found"): string {
  if (!isUuid(value)) throw new AppError(notFound);
  return value.toLowerCase();
}

export interface ApiContext {
  db: Db;
  caller: ApiCaller;
  request: Request;
}

type Handler<P> = (ctx: ApiContext, params: P) => Promise<Response>;

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

export interface ApiOptions {
  /** Workspace settings: keys restricted to one agent get 403 workspace_key_required. */
  workspaceKey?: boolean;
}

/**
 * Wraps a route handler: authenticates the bearer key, honours `Idempotency-Key` on every
 * POST, and maps every failure to problem+json.
 */
export function api<P = Record<string, never>>(handler: Handler<P>, options: ApiOptions = {}) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    try {
      const prisma = await db();
      const caller = await authenticate(prisma, request);
      if (caller instanceof Response) return caller;
      if (options.workspaceKey && caller.agentId) return problem("workspace_key_required");
      const params = await context.params;
      const run = (req: Request) => handler({ db: prisma, caller, request: req }, params).catch(errorResponse);
      const response = request.method === "POST" ? await idempotent(prisma, caller, request, run) : await run(request);
      response.headers.delete(UNSETTLED_HEADER);
      return response;
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * The caller of an API request by its bearer key, or the refusal: without a valid key, 429
 * while its address is locked out for guessing keys, else 401 (a wrong key counts against the
 * address). /api/v1 and /api/mcp authenticate through here alike.
 */
export async function authenticate(prisma: Db, request: Request): Promise<ApiCaller | Response> {
  const authorization = request.headers.get("authorization");
  const caller = await authenticateApiKey(prisma, authorization);
  if (caller) return caller;
  // A valid key is never refused for its address (behind a proxy or a NAT, many clients
  // share one); without one, a locked address gets 429 before anything else.
  const { apiKeyAddress } = await throttles();
  const address = clientAddress(request.headers);
  const locked = await apiKeyAddress.lockedFor(address);
  if (locked > 0) return tooManyBadKeys(locked);
  // Guessing keys: each wrong one counts against the address it came from.
  if (bearerToken(authorization) !== null) {
    const lockedNow = await apiKeyAddress.fail(address);
    if (lockedNow > 0) return tooManyBadKeys(lockedNow);
  }
  return problem("unauthorized", "Send a valid API key as `Authorization: Bearer <key>`.");
}

function tooManyBadKeys(ms: number): Response {
  return problem(
    "too_many_requests",
    `Too many requests with a wrong API key came from this address. ${tryAgainSentence(ms)}`,
    undefined,
    { "Retry-After": String(Math.ceil(ms / 1000)) },
  );
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

function storedResponse(response: StoredResponse, replayed: boolean): Response {
  return new Response(NULL_BODY_STATUS.has(response.status) ? null : response.body, {
    status: response.status,
    headers: replayed ? { ...response.headers, "idempotent-replayed": "true" } : response.headers,
  });
}

/** The same key and body replay the first response: see docs/api.md and lib/api/idempotency.ts. */
async function idempotent(
  db: Db,
  caller: ApiCaller,
  request: Request,
  run: (request: Request) => Promise<Response>,
): Promise<Response> {
  const key = request.headers.get("idempotency-key");
  if (key === null) return run(request);
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    return problem("invalid_idempotency_key", `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`);
  }
  const body = await readBytes(request);
  const fingerprint = requestFingerprint(request.method, new URL(request.url).pathname, body);
  const owner = { ...caller, secret: bearerToken(request.headers.get("authorization")) ?? "" };
  const claim = await claimIdempotencyKey(db, owner, key, fingerprint);
  if (claim.kind === "reused") {
    return problem("idempotency_key_reused");
  }
  if (claim.kind === "in_use") {
    return problem("idempotency_key_in_use");
  }
  if (claim.kind === "unsettled") {
    return problem(
      "upstream_outcome_unknown",
      "Not confirmed yet: the first request with this Idempotency-Key is still being settled with iMessage. Nothing was sent again; retry later with the same key.",
    );
  }
  if (claim.kind === "replay") return storedResponse(claim.response, true);

  // An empty body stays absent, as it arrived: handlers may tell "no body" from "{}".
  const replay = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: body.byteLength ? body : null,
  });
  const response = await run(replay);
  const unsettled = response.headers.get(UNSETTLED_HEADER);
  if (unsettled) {
    response.headers.delete(UNSETTLED_HEADER);
    await bindIdempotencyKey(db, claim.id, unsettled);
    return response;
  }
  if (response.status >= 500) {
    await releaseIdempotencyKey(db, claim.id);
    return response;
  }
  const stored: StoredResponse = {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body: new Uint8Array(await response.arrayBuffer()),
  };
  try {
    await completeIdempotencyKey(db, owner, { id: claim.id, key }, stored);
  } catch (error) {
    // The change is made but its record is not: the claim stays in flight (retries get 409)
    // until its lease ends, rather than letting a retry run the request a second time.
    logger().error({ err: error, requestId: currentRequestId() }, "could not store an idempotent response");
  }
  return storedResponse(stored, false);
}

/** Between a handler and `idempotent` only: the unsettled send a 504 binds its key to. Never sent. */
const UNSETTLED_HEADER = "x-tapdesk-unsettled-send";

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) {
    // The rest of an oversized body is still on the wire, unread: a kept-alive connection
    // would read it as the next request. Close it instead.
    const extra: Record<string, string> = error.code === "payload_too_large" ? { Connection: "close" } : {};
    if (error.unsettledSendId) extra[UNSETTLED_HEADER] = error.unsettledSendId;
    return problem(error.code, error.message, error.errors, extra, error.extensions);
  }
  logger().error({ err: error, requestId: currentRequestId() }, "unhandled API error");
  return problem("internal_error", "Something went wrong on our side.");
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
type Handler405 = (request: Request) => Promise<Response>;

/**
 * Handlers for the methods a route does not have: 405 problem+json with an `Allow` header
 * (Next.js alone answers them with an empty body). The API's route files get them from
 * `route(...)` (lib/api/operation.ts); another route exports the ones it lacks:
 * `export const { PUT, PATCH, DELETE } = otherMethods("GET, POST");`
 */
export function otherMethods(allow: string): Record<Method, Handler405> {
  const handler = async (request: Request) =>
    problem("method_not_allowed", `${request.method} is not allowed here; use ${allow}.`, undefined, {
      Allow: allow,
    });
  return { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler };
}
