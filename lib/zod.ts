/**
 * zod, with one change: `z.string()` refuses NUL characters and lone UTF-16 surrogates.
 * PostgreSQL cannot store a NUL in text (the write fails with a server error), and a lone
 * surrogate cannot be encoded as UTF-8 (it would be silently replaced), so both are refused
 * at the edge with a 422 that names the field. Every schema imports `z` from here, which
 * makes the safe string the default for the API, the server actions and bridge payloads.
 */
import * as zod from "zod";

export * from "zod";

export const UNSAFE_TEXT_MESSAGE = "Must not contain NUL characters or invalid Unicode (lone surrogates).";

// With the `u` flag a surrogate pair reads as one code point, so the class matches only NUL
// and surrogates that stand alone.
const UNSAFE = /[\0\uD800-\uDFFF]/u;

/** True when `text` can be stored and sent as it is. */
export function isSafeText(text: string): boolean {
  return !UNSAFE.test(text);
}

export function string(params?: Parameters<typeof zod.string>[0]): zod.ZodString {
  return zod.string(params).refine(isSafeText, { message: UNSAFE_TEXT_MESSAGE, abort: true });
}
