import { pageLimit, pageOf } from "../api/schemas";
import { KINDS } from "../tapbacks/kinds";
import { stickerSchema } from "../tapbacks/schemas";
import * as z from "../zod";

/** GET /messages/{id}/reaction-changes: one message's audit trail, oldest first. */
export const reactionChangesQuery = z.object({
  cursor: z.string().max(500).optional().meta({ description: "The `next_cursor` of the previous page." }),
  limit: pageLimit,
});

export const actorSchema = z
  .object({
    type: z.string().meta({
      description:
        "`api_key` (the agent, through that key), `operator` (the agent, from the dashboard), `human` (the person's phone) or `bridge` (the Mac running BlueBubbles). Treat unknown values as opaque.",
    }),
    id: z
      .string()
      .nullable()
      .meta({ description: "The API key's or operator's id; for the human, where the change came from." }),
    name: z.string().nullable().meta({
      description:
        "The API key's name, the operator's email, the human's number, or `the bridge`; null when no longer known.",
    }),
  })
  .strict();

export const reactionChangeSchema = z
  .object({
    id: z.uuid(),
    message_id: z.uuid(),
    reaction_id: z.uuid().meta({ description: "The reaction this change made, replaced or removed." }),
    slot_id: z
      .uuid()
      .meta({ description: "Groups the changes of one slot (message, part, sender; each sticker its own)." }),
    part_index: z.number().int().min(0),
    direction: z.enum(["inbound", "outbound"]).meta({ description: "inbound = placed by the human." }),
    sender: z.string().meta({ description: "The agent's handle (outbound) or the human's number (inbound)." }),
    sequence: z.number().int().min(1).meta({ description: "The slot's change counter at this change." }),
    action: z.enum(["add", "replace", "remove"]),
    reaction: z.enum(KINDS).meta({ description: "The kind added or replaced to, or the kind removed." }),
    custom_emoji: z.string().nullable(),
    sticker: stickerSchema.nullable(),
    previous: z
      .object({ reaction: z.enum(KINDS), custom_emoji: z.string().nullable() })
      .strict()
      .nullable()
      .meta({ description: "For `replace`: what the slot held before." }),
    actor: actorSchema,
    created_at: z.iso.datetime(),
  })
  .strict();

export const reactionChangePageSchema = pageOf(reactionChangeSchema, "Oldest first (created_at, then sequence).");

export type ReactionChangeObject = z.infer<typeof reactionChangeSchema>;
export type ReactionChangePage = z.infer<typeof reactionChangePageSchema>;
