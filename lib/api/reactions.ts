import type { z } from "zod";
import { AppError } from "../errors";
import { fieldErrors } from "./http";

/**
 * Parses a reaction request body with the error codes of SPEC §3, in the table's order:
 * structural problems (missing fields, wrong types) are `validation_failed`; an unknown
 * reaction name is `invalid_reaction`; a negative or fractional part_index is
 * `invalid_part_index`.
 */
export function parseReactionBody<T extends z.ZodType>(schema: T, body: unknown, kindField: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
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
