import type { ApiCaller } from "../auth/api-keys";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { isSingleEmoji } from "../tapbacks/rules";
import { type ReactionRequest, type ReactResult, react } from "../tapbacks/service";
import type * as z from "../zod";
import { fieldErrors, json } from "./http";
import type { BodyParser } from "./operation";

/**
 * Parses a reaction request body with the error codes of a tapback, in the order they are checked (docs/api.md):
 * structural problems (missing fields, wrong types) are `validation_failed`; an unknown
 * reaction name is `invalid_reaction`; a negative or fractional part_index is
 * `invalid_part_index`.
 */
export function parseReactionBody<T extends z.ZodType>(schema: T, body: unknown, kindField: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) {
    checkCustomEmoji(parsed.data as Record<string, unknown>, kindField);
    return parsed.data;
  }
  const record = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const isKind = (field: unknown) => field === kindField && typeof record[kindField] === "string";
  const isPart = (field: unknown) => field === "part_index" && typeof record.part_index === "number";
  const issues = parsed.error.issues;
  const structural = issues.filter((i) => !isKind(i.path[0]) && !isPart(i.path[0]));
  if (structural.length) {
    throw new AppError("validation_failed", "The request body does not match its schema.", fieldErrors(parsed.error));
  }
  if (issues.some((i) => isKind(i.path[0]))) {
    throw new AppError(
      "invalid_reaction",
      `Unknown ${kindField} "${String(record[kindField]).slice(0, 40)}": use love, like, dislike, laugh, emphasize, question or custom.`,
    );
  }
  throw new AppError("invalid_part_index", "part_index must be a non-negative integer.");
}

/** The body parser of an operation whose body is a reaction request, its kind in `kindField`. */
export function reactionBody(kindField: string): BodyParser {
  return (schema, body) => parseReactionBody(schema, body, kindField);
}

/** `custom_emoji` belongs to `custom` only, and is then exactly one emoji (for removals too). */
function checkCustomEmoji(body: Record<string, unknown>, kindField: string) {
  const emoji = body.custom_emoji;
  if (emoji === undefined || emoji === null) return;
  if (body[kindField] !== "custom") {
    throw new AppError("validation_failed", "custom_emoji is only for custom reactions.", [
      { field: "custom_emoji", message: `Only allowed when ${kindField} is "custom"; omit it or send null.` },
    ]);
  }
  if (!isSingleEmoji(emoji)) throw new AppError("invalid_reaction", "custom_emoji must be exactly one emoji.");
}

/** The API key's agent reacts: the one tapback service, with the key in the audit trail. */
export function agentReact(
  db: Db,
  caller: ApiCaller,
  target: { messageId: string; partIndex?: number },
  request: ReactionRequest,
) {
  return react(db, {
    scope: caller,
    actor: { type: "api_key", id: caller.apiKeyId },
    side: "agent",
    messageId: target.messageId,
    partIndex: target.partIndex,
    request,
  });
}

/** 201 for a change (added or replaced in place), 200 for a no-op: the same object back. */
export function reactionResponse(result: ReactResult): Response {
  return json(result.reaction, result.outcome === "noop" ? 200 : 201);
}
