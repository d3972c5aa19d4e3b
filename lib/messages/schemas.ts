import { pageLimit } from "../api/schemas";
import { KINDS } from "../tapbacks/kinds";
import { compactReactionSchema, stickerSchema } from "../tapbacks/schemas";
import * as z from "../zod";

/** One part of a message, as the API and the sandbox accept it. */
export const partInput = z.union([
  z.object({ text: z.string().min(1, "Text must not be empty.").max(10_000) }).strict(),
  z
    .object({
      attachment: z
        .object({
          url: z.url().max(2048),
          mime_type: z.string().min(1).max(255),
          file_name: z.string().min(1).max(255),
        })
        .strict(),
    })
    .strict(),
]);
export type PartInput = z.infer<typeof partInput>;

export const partsInput = z.array(partInput).min(1, "A message needs at least one part.").max(20);

/** The human's message (the sandbox phone): parts only; traces are the agent's. */
export const humanMessageBody = z.object({ parts: partsInput }).strict();

export const METADATA_MAX_BYTES = 4096;

/** Why a metadata value cannot be stored as it is (jsonb refuses NUL; JSON has no Infinity), or null. */
function unsafeJson(value: unknown): string | null {
  if (typeof value === "string") return z.isSafeText(value) ? null : z.UNSAFE_TEXT_MESSAGE;
  if (typeof value === "number") return Number.isFinite(value) ? null : "Numbers must be finite.";
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = unsafeJson(item);
      if (problem) return problem;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const problem = unsafeJson(key) ?? unsafeJson(item);
      if (problem) return problem;
    }
  }
  return null;
}

export const traceIdInput = z.string().min(1).max(200).meta({
  description:
    "Links the message to the agent's own trace (Langfuse, LangSmith, OpenTelemetry). At most 200 characters.",
  example: "trace-7f3a",
});

export const metadataInput = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const problem = unsafeJson(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    else if (Buffer.byteLength(JSON.stringify(value), "utf8") > METADATA_MAX_BYTES) {
      ctx.addIssue({ code: "custom", message: `At most ${METADATA_MAX_BYTES} bytes of JSON.` });
    }
  })
  .meta({
    description: "A JSON object of the agent's own (at most 4 KB), returned in reads and in the feedback export.",
  });

export const sendMessageBody = z
  .object({ parts: partsInput, trace_id: traceIdInput.optional(), metadata: metadataInput.optional() })
  .strict();

/**
 * Linq's participant object (its SDK's `ChatHandle`): who placed a per-part reaction. The human
 * is their assignment; the agent is itself with `is_me: true` (docs/api.md).
 */
export const chatHandleSchema = z
  .object({
    id: z.uuid().meta({ description: "The human's assignment id, or the agent's id when `is_me` is true." }),
    handle: z.string().meta({ description: "The human's number (E.164), or the agent's handle (number or email)." }),
    is_me: z.boolean().meta({ description: "true when the handle is the agent's own (the API key's side)." }),
    service: z.literal("iMessage"),
    status: z.enum(["active", "left"]).meta({
      description: "The human: `active`, or `left` while their assignment is disconnected. The agent: always `active`.",
    }),
    joined_at: z.iso.datetime().meta({
      description:
        "When this participant joined the conversation: the assignment's creation time (for the agent too: the chat began then).",
    }),
    left_at: z.iso
      .datetime()
      .nullable()
      .meta({ description: "When the human disconnected; null while active, and always null for the agent." }),
  })
  .strict();

/** Linq's reaction on a part (its SDK's `Reaction`): the per-part view of a live reaction. */
export const partReactionSchema = z
  .object({
    type: z.enum(KINDS).meta({ description: "The reaction kind, as `reaction` in the message-level array." }),
    is_me: z.boolean().meta({ description: "true when the agent placed it; false for the human's." }),
    custom_emoji: z.string().nullable().meta({ description: "The emoji when `type` is `custom`, null otherwise." }),
    sticker: stickerSchema.nullable().meta({ description: "The sticker when `type` is `sticker`, null otherwise." }),
    handle: chatHandleSchema.meta({ description: "Who placed it." }),
  })
  .strict();

export const partSchema = z
  .object({
    index: z.number().int().min(0),
    type: z.enum(["text", "attachment"]),
    text: z.string().optional(),
    attachment: z.object({ url: z.string(), mime_type: z.string(), file_name: z.string() }).strict().optional(),
    value: z
      .string()
      .nullable()
      .meta({ description: "Linq's name for the part's text (the same as `text`); null for an attachment." }),
    reactions: z.array(partReactionSchema).meta({
      description:
        "Linq's shape: this part's live reactions, oldest first (created_at, then id); the same rows as the message-level `reactions` whose part_index is this part's.",
    }),
  })
  .strict();

export const messageSchema = z
  .object({
    id: z.uuid(),
    conversation_id: z.uuid(),
    direction: z.enum(["inbound", "outbound"]),
    sender: z.string().meta({ description: "The agent's handle (outbound) or the human's number (inbound)." }),
    status: z.enum(["queued", "sent", "delivered", "failed", "received"]),
    parts: z.array(partSchema),
    reactions: z
      .array(compactReactionSchema)
      .meta({ description: "The live reactions of all parts, oldest first (created_at, then id)." }),
    trace_id: z.string().nullable().meta({ description: "The agent's trace id given when it sent the message." }),
    metadata: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: "The JSON object the agent gave when it sent the message." }),
    created_at: z.iso.datetime(),
  })
  .strict();

export const messagePageSchema = z
  .object({
    data: z.array(messageSchema).meta({ description: "Oldest to newest." }),
    next_before: z
      .uuid()
      .nullable()
      .meta({ description: "Pass as `before` for the page of older messages; null when there are none." }),
  })
  .strict();

export const listMessagesQuery = z.object({
  before: z.string().optional().meta({ description: "A message id: return the messages older than it." }),
  limit: pageLimit,
});

/** The dashboard's reply: one text part; the lines of the composer stay one message. */
export const replyInput = z
  .object({
    conversationId: z.uuid(),
    text: z.string().trim().min(1, "Write a message first.").max(10_000, "Messages are limited to 10,000 characters."),
  })
  .strict();
