import { E164 } from "../phone";
import * as z from "../zod";

/** A number, or a prefix of one followed by `*` (`+1415555*`; `+44*` blocks a country). */
const PREFIX = /^\+[1-9]\d{0,13}\*$/;

export const contactRuleBody = z
  .object({
    pattern: z
      .string()
      .refine(
        (value) => E164.test(value) || PREFIX.test(value),
        "Must be an E.164 number (+14155550123) or a prefix ending in * (+1415555*).",
      )
      .meta({ description: "An E.164 number, or a prefix ending in `*` such as `+1415555*`.", example: "+1415555*" }),
  })
  .strict();
export type ContactRuleBody = z.infer<typeof contactRuleBody>;

export const contactRuleSchema = z
  .object({
    id: z.uuid(),
    pattern: z.string(),
    created_at: z.iso.datetime(),
  })
  .strict();
export type ContactRuleObject = z.infer<typeof contactRuleSchema>;

export const contactRuleListSchema = z.object({ data: z.array(contactRuleSchema) }).strict();

/** The patterns that would block `number`: itself and each of its prefixes with `*`. */
export function patternsMatching(number: string): string[] {
  const patterns = [number];
  for (let end = 2; end <= number.length; end++) patterns.push(`${number.slice(0, end)}*`);
  return patterns;
}
