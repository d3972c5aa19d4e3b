import { describe, expect, it } from "vitest";
import { AppError, ERRORS, type ErrorCode, isAppError, isRetryable } from "@/lib/errors";

/**
 * The problem registry (lib/errors.ts): every code has an HTTP error status, a title and a
 * plain sentence an operator can read; the codes a client may simply send again are exactly
 * the ones docs/api.md says so of; AppError carries the code's status and sentence.
 */

const CODES = Object.keys(ERRORS) as ErrorCode[];

/**
 * Where the same request may succeed when sent again (docs/api.md): the upstream refused and
 * nothing changed (502), a request with the same Idempotency-Key is still running (409), the
 * throttle (429, after Retry-After), and a bug on Tapdesk's side (500).
 */
const RETRYABLE = ["upstream_delivery_failed", "idempotency_key_in_use", "too_many_requests", "internal_error"];

describe("the problem registry", () => {
  it("has a code for every problem the API documents", () => {
    expect(CODES.length).toBeGreaterThan(40);
    for (const code of ["unauthorized", "validation_failed", "not_found", "workspace_key_required", "internal_error"]) {
      expect(CODES).toContain(code);
    }
  });

  it.each(CODES)("%s has an error status, a title and a sentence an operator can read", (code) => {
    const problem = ERRORS[code];
    expect(Number.isInteger(problem.status)).toBe(true);
    expect(problem.status).toBeGreaterThanOrEqual(400);
    expect(problem.status).toBeLessThan(600);
    // A title like an HTTP reason phrase; a whole sentence, capitalised and ended.
    expect(problem.title).toMatch(/^[A-Z][A-Za-z-]*( [A-Za-z-]+)*$/);
    expect(problem.sentence).toMatch(/^(iMessage|[A-Z]).{8,}[.!]$/);
  });

  it("gives no two codes the same sentence, so an operator can tell them apart", () => {
    const sentences = CODES.map((c) => ERRORS[c].sentence);
    expect(new Set(sentences).size).toBe(sentences.length);
  });

  it("says retryable of exactly the problems a plain retry can cure", () => {
    expect(CODES.filter(isRetryable).sort()).toEqual([...RETRYABLE].sort());
    for (const code of CODES) {
      expect("retryable" in ERRORS[code], code).toBe(RETRYABLE.includes(code));
      if (RETRYABLE.includes(code)) expect(ERRORS[code].status >= 409, code).toBe(true);
    }
  });
});

describe("AppError", () => {
  it("carries the code, its status, and its sentence as the message by default", () => {
    const error = new AppError("contact_rule_exists");
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("contact_rule_exists");
    expect(error.status).toBe(409);
    expect(error.message).toBe("A contact rule with that pattern already exists.");
    expect(error.sentence).toBe(error.message);
    expect(error.errors).toBeUndefined();
  });

  it("takes a detail for the API while the dashboard keeps the code's sentence, and field errors", () => {
    const fields = [{ field: "url", message: "Not a URL." }];
    const error = new AppError("validation_failed", "url: Not a URL.", fields);
    expect(error.message).toBe("url: Not a URL.");
    expect(error.sentence).toBe("Some fields are missing or invalid.");
    expect(error.status).toBe(422);
    expect(error.errors).toEqual(fields);
  });

  it("is told apart from other errors and lookalikes", () => {
    expect(isAppError(new AppError("not_found"))).toBe(true);
    expect(isAppError(new Error("That does not exist."))).toBe(false);
    expect(isAppError({ code: "not_found", status: 404, message: "That does not exist." })).toBe(false);
    expect(isAppError(null)).toBe(false);
  });
});
