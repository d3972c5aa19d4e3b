import type { z } from "zod";
import { type ApiCaller, authenticateApiKey } from "../auth/api-keys";
import type { Db } from "../db/client";
import { db } from "../db/client";
import { AppError, ERRORS, type ErrorCode, type FieldError } from "../errors";

/**
 * The HTTP edge of the API: problem+json errors (RFC 9457), bearer-key auth, bounded JSON
 * bodies validated by the shared zod schemas. Route handlers stay thin: parse, call lib/, map.
 */
export const MAX_BODY_BYTES = 64 * 1024;

const EXTRA = {
  payload_too_large: { status: 413, title: "Payload too large" },
  internal_error: { status: 500, title: "Internal error" },
} as const;
type Code = ErrorCode | keyof typeof EXTRA;

export function problem(code: Code, detail?: string, errors?: FieldError[]): Response {
  const meta = code in ERRORS ? ERRORS[code as ErrorCode] : EXTRA[code as keyof typeof EXTRA];
  const body = {
    type: `https://tapdesk.dev/problems/${code.replaceAll("_", "-")}`,
    title: meta.title,
    status: meta.status,
    detail: detail ?? ("sentence" in meta ? meta.sentence : meta.title),
    code,
    ...(errors ? { errors } : {}),
  };
  return new Response(JSON.stringify(body), {
    status: meta.status,
    headers: { "content-type": "application/problem+json" },
  });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Field errors from zod issues, each naming its field by dotted path. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join(".") : "(body)",
    message: issue.message,
  }));
}

/** Reads a JSON body of at most MAX_BODY_BYTES; throws AppError-like problems. */
export async function readJson(request: Request): Promise<unknown> {
  const length = Number(request.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES) throw new HttpProblem("payload_too_large", tooLarge());
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
        throw new HttpProblem("payload_too_large", tooLarge());
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem("invalid_json", "The request body is not valid JSON.");
  }
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

export class HttpProblem extends Error {
  constructor(
    readonly code: Code,
    detail: string,
  ) {
    super(detail);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids that are not UUIDs name nothing: the caller gets the resource's 404. */
export function pathId(value: string, notFound: ErrorCode = "not_found"): string {
  if (!UUID.test(value)) throw new AppError(notFound);
  return value.toLowerCase();
}

export interface ApiContext {
  db: Db;
  caller: ApiCaller;
  request: Request;
}

type Handler<P> = (ctx: ApiContext, params: P) => Promise<Response>;

/** Wraps a route handler: authenticates the bearer key and maps every failure to problem+json. */
export function api<P = Record<string, never>>(handler: Handler<P>) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    try {
      const prisma = await db();
      const caller = await authenticateApiKey(prisma, request.headers.get("authorization"));
      if (!caller) return problem("unauthorized", "Send a valid API key as `Authorization: Bearer <key>`.");
      return await handler({ db: prisma, caller, request }, await context.params);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return problem(error.code, error.message, error.errors);
  if (error instanceof HttpProblem) return problem(error.code, error.message);
  console.error("Unhandled API error:", error);
  return problem("internal_error", "Something went wrong on our side.");
}
