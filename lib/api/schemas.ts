import { ERRORS } from "../errors";
import * as z from "../zod";

/** Every stable `code` a problem response can carry. */
export const PROBLEM_CODES = Object.keys(ERRORS) as [string, ...string[]];

/** RFC 9457 problem details, as every error of the API is answered. */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: "A URI naming the problem type." }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: "What went wrong, for a human." }),
    code: z.enum(PROBLEM_CODES).meta({ description: "The stable machine code." }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }).strict())
      .optional()
      .meta({ description: "validation_failed only: each bad field by dotted path, with what is wrong." }),
    taken_over_by: z
      .object({ id: z.uuid(), email: z.string() })
      .strict()
      .optional()
      .meta({ description: "conversation_taken_over only: the operator who took the conversation over." }),
    taken_over_at: z.iso.datetime().optional().meta({ description: "conversation_taken_over only: since when." }),
    instance: z
      .string()
      .meta({ description: "The request's id, as in its X-Request-Id header and the server's log line for it." }),
  })
  .strict();
export type Problem = z.infer<typeof problemSchema>;

/** `?limit=` of a paginated list. */
export const pageLimit = z.coerce
  .number()
  .int()
  .min(1)
  .max(200)
  .optional()
  .meta({ description: "1 to 200; default 50." });

/** One page of `item`s in the order `order` describes, and the cursor of the next page. */
export function pageOf<T extends z.ZodType>(item: T, order: string) {
  return z
    .object({
      data: z.array(item).meta({ description: order }),
      next_cursor: z
        .string()
        .nullable()
        .meta({ description: "Pass as `cursor` for the next page; null on the last page." }),
    })
    .strict();
}
