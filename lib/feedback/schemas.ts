import { pageOf } from "../api/schemas";
import { LABELS } from "../tapbacks/feedback";
import { KINDS } from "../tapbacks/kinds";
import { stickerSchema } from "../tapbacks/schemas";
import * as z from "../zod";

/** The request and answer shapes of /api/v1/feedback (SPEC §9), shared with the dashboard. */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A UTC day (`2026-12-06`) or an instant (ISO 8601); the period always covers whole UTC days. */
const instant = z
  .string()
  .max(40)
  .refine(
    (v) => (DAY.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success) && !Number.isNaN(Date.parse(v)),
    {
      message: "Must be a date (2026-12-06) or an ISO 8601 date-time.",
    },
  );

const period = {
  agent_id: z.uuid().optional().meta({
    description:
      "The agent. An agent key may leave it out (its own agent) and may name no other; a workspace key must give it.",
  }),
  from: instant.optional().meta({
    description:
      "The first UTC day of the period (a date-time counts from the start of its day). Default: 30 days before `to`.",
  }),
  to: instant.optional().meta({
    description:
      "The last UTC day of the period, included (a date-time counts to the end of its day unless it is midnight). Default: today.",
  }),
};

export const labelParam = z.enum(LABELS);

export const summaryQuery = z.object({
  ...period,
  bucket: z.enum(["day", "week"]).default("day").meta({ description: "Bucket by UTC day, or by ISO week (Monday)." }),
});

export const feedbackMessagesQuery = z.object({
  ...period,
  label: labelParam.optional().meta({ description: "Only parts with this label; all labels when left out." }),
  cursor: z.string().max(200).optional().meta({ description: "The `next_cursor` of the previous page." }),
  limit: z.coerce.number().int().min(1).max(200).optional().meta({ description: "1 to 200; default 50." }),
});

export const exportQuery = z.object({
  ...period,
  label: labelParam.optional().meta({ description: "Only parts with this label; all labels when left out." }),
  after: z
    .string()
    .max(100)
    .regex(/^[0-9a-fA-F-]{36}:\d{1,4}$/, "Must be `<message_id>:<part_index>` of an exported line.")
    .optional()
    .meta({
      description:
        "Resume after this line: `<message_id>:<part_index>` of the last line received. The order is stable (sent_at, message_id, part_index).",
    }),
});

const counts = <K extends string>(keys: readonly K[]) =>
  z.object(Object.fromEntries(keys.map((k) => [k, z.number().int().min(0)])) as Record<K, z.ZodNumber>).strict();

export const totalsSchema = z
  .object({
    parts: z.number().int().min(0).meta({ description: "The agent's message parts sent in the period." }),
    reacted: z.number().int().min(0).meta({ description: "Of those, the parts with a live human reaction." }),
    kinds: counts(KINDS).meta({ description: "Reacted parts by the kind of their live human reaction." }),
    labels: counts(LABELS).meta({ description: "Reacted parts by label (docs/tapback-rules.md)." }),
    reaction_rate: z.number().min(0).max(1).meta({ description: "reacted / parts; 0 when no parts." }),
    positive_rate: z.number().min(0).max(1),
    negative_rate: z.number().min(0).max(1),
    confused_rate: z.number().min(0).max(1),
  })
  .strict();
export type Totals = z.infer<typeof totalsSchema>;

export const summarySchema = z
  .object({
    agent_id: z.uuid(),
    from: z.iso.datetime().meta({ description: "The period's start (a UTC midnight), included." }),
    to: z.iso.datetime().meta({ description: "The period's end (a UTC midnight), excluded." }),
    bucket: z.enum(["day", "week"]),
    totals: totalsSchema,
    buckets: z
      .array(totalsSchema.extend({ start: z.iso.datetime() }).strict())
      .meta({ description: "Every bucket of the period, oldest first, empty ones included; they add up to `totals`." }),
  })
  .strict();
export type Summary = z.infer<typeof summarySchema>;

const feedbackReaction = z
  .object({
    kind: z.enum(KINDS),
    custom_emoji: z.string().nullable(),
    sticker: stickerSchema.nullable(),
    at: z.iso.datetime().meta({ description: "When the reaction took this kind." }),
  })
  .strict();

const lineFields = {
  message_id: z.uuid(),
  part_index: z.number().int().min(0),
  conversation_id: z.uuid(),
  agent_id: z.uuid(),
  trace_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  sent_at: z.iso.datetime(),
  text: z.string().nullable().meta({ description: "The part's text; null for an attachment." }),
  reaction: feedbackReaction.meta({ description: "The human's live reaction (the latest kind of a replaced one)." }),
  changes: z
    .number()
    .int()
    .min(1)
    .meta({ description: "The human's changes on this part: adds, replacements, removals." }),
  label: labelParam,
};

export const feedbackItemSchema = z.object(lineFields).strict();
export type FeedbackItem = z.infer<typeof feedbackItemSchema>;

export const contextSchema = z
  .object({ direction: z.enum(["inbound", "outbound"]), text: z.string(), at: z.iso.datetime() })
  .strict();

/** One line of the export: a review-queue item with the conversation before it. */
export const exportLineSchema = z
  .object({
    ...lineFields,
    context: z
      .array(contextSchema)
      .meta({ description: "Up to 10 messages before this one in its conversation, oldest first." }),
  })
  .strict();
export type ExportLine = z.infer<typeof exportLineSchema>;

export const feedbackPageSchema = pageOf(feedbackItemSchema, "Newest first (sent_at, then message_id, part_index).");
export type FeedbackPage = z.infer<typeof feedbackPageSchema>;
