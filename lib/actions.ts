import { fieldErrors } from "./api/http";
import { currentOperator, type SignedInOperator } from "./auth/session";
import { type Db, db } from "./db/client";
import { AppError, ERRORS, type ErrorCode, isRetryable } from "./errors";
import { currentRequestId, logger } from "./observability/log";
import type * as z from "./zod";
// The upstream each agent sends through is wired here (lib/compose.ts).
import "./compose";

/**
 * One wrapper for every dashboard server action: checks the session (and so the
 * workspace), validates the input with its zod schema, and turns failures into a plain
 * sentence and `retryable`, both from the error registry (lib/errors.ts). Only deliberate
 * messages reach the browser.
 */
export type ActionResult<T> = { ok: true; data: T } | { ok: false; code: ErrorCode; error: string; retryable: boolean };

type Run<S extends z.ZodType, T> = (ctx: { operator: SignedInOperator; db: Db }, input: z.infer<S>) => Promise<T>;

export function operatorAction<S extends z.ZodType, T>(schema: S, run: Run<S, T>) {
  return guardedAction(schema, run, "member");
}

/**
 * For actions only owners may take (agents, bridges, API keys, webhooks, contact rules,
 * operators): a member calling one directly gets a plain refusal and nothing changes.
 */
export function ownerAction<S extends z.ZodType, T>(schema: S, run: Run<S, T>) {
  return guardedAction(schema, run, "owner");
}

function guardedAction<S extends z.ZodType, T>(schema: S, run: Run<S, T>, needs: "owner" | "member") {
  return async (input: z.input<S>): Promise<ActionResult<T>> => {
    const operator = await currentOperator();
    if (!operator) return failure("unauthorized", "You are signed out. Sign in again to continue.");
    if (needs === "owner" && operator.role !== "owner") return failure("owner_required");
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      const first = fieldErrors(parsed.error)[0];
      return failure(
        "validation_failed",
        first ? `${first.field === "(body)" ? "Input" : first.field}: ${first.message}` : "That input is not valid.",
      );
    }
    try {
      return { ok: true, data: await run({ operator, db: await db() }, parsed.data) };
    } catch (error) {
      if (error instanceof AppError) return failure(error.code, error.message);
      logger().error({ err: error, requestId: currentRequestId() }, "server action failed");
      return failure("internal_error");
    }
  };
}

/** A refusal as the browser gets it: the code, a sentence (the registry's unless given), and whether to offer Retry. */
function failure(code: ErrorCode, error: string = ERRORS[code].sentence): ActionResult<never> {
  return { ok: false, code, error, retryable: isRetryable(code) };
}
