import * as z from "./zod";

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const e164 = z.string().regex(E164, "Must be an E.164 number such as +14155550123.");
