import { pageLimit } from "../api/schemas";
import { compactReactionSchema } from "../tapbacks/schemas";
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

export const sendMessageBody = z.object({ parts: partsInput }).strict();

export const partSchema = z
  .object({
    index: z.number().int().min(0),
    type: z.enum(["text", "attachment"]),
    text: z.string().optional(),
    attachment: z.object({ url: z.string(), mime_type: z.string(), file_name: z.string() }).strict().optional(),
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
