import { EXAMPLE_IDS } from "../api/examples";
import * as z from "../zod";
import { CLASSIC, KINDS } from "./kinds";

/** The dashboard's tapback: the agent adds or removes one of the classic six on a part. */
export const tapbackActionInput = z
  .object({
    messageId: z.uuid(),
    partIndex: z.number().int().min(0),
    operation: z.enum(["add", "remove"]),
    kind: z.enum(CLASSIC),
  })
  .strict();
export type TapbackActionInput = z.infer<typeof tapbackActionInput>;

// The API's reaction requests and objects (see docs/api.md). These zod schemas are the one
// definition: the API's operations (lib/api/operations) parse with them, serializers are
// typed by them, and the OpenAPI document is generated from them.

const partIndex = z
  .number()
  .int()
  .min(0)
  .meta({ description: "Part of a multi-part message (0-based). Defaults to 0." });

/** The fields both reaction requests end with. */
const emojiAndPart = {
  custom_emoji: z
    .string()
    .nullish()
    .meta({ description: "Exactly one emoji, when the reaction is `custom`; omit or null otherwise." }),
  part_index: partIndex.optional(),
};

/** POST /reactions: the seed contract. */
export const sendReactionBody = z
  .object({
    message_id: z.string().meta({
      format: "uuid",
      example: EXAMPLE_IDS.message,
      description:
        "The message to react to: the human's or the agent's own. An id that names no message you can see (including a string that is not a UUID) answers 404 message_not_found.",
    }),
    reaction: z.enum(KINDS).meta({
      description:
        "One of the classic six; `custom` (with `custom_emoji`) when the agent has custom_emoji_sends on. `sticker` is never sendable.",
    }),
    ...emojiAndPart,
  })
  .strict();
export type SendReactionBody = z.infer<typeof sendReactionBody>;

/** POST /messages/{id}/reactions: the operation form. */
export const reactionOperationBody = z
  .object({
    operation: z.enum(["add", "remove"]),
    type: z.enum(KINDS).meta({
      description:
        "The reaction to add, or the one to remove: a removal takes the agent's live tapback off the part only when it is this type (otherwise it is a no-op).",
    }),
    ...emojiAndPart,
  })
  .strict();
export type ReactionOperationBody = z.infer<typeof reactionOperationBody>;

export const stickerSchema = z
  .object({
    file_name: z.string(),
    mime_type: z.string(),
    url: z.string(),
    width: z.number().int(),
    height: z.number().int(),
  })
  .strict();

const reactionFields = {
  id: z.uuid().meta({ description: "Stable across replacements of the same slot." }),
  conversation_id: z.uuid(),
  assignment_id: z.uuid(),
  target_message_id: z.uuid(),
  direction: z.enum(["inbound", "outbound"]).meta({ description: "inbound: placed by the human." }),
  reaction: z.enum(KINDS),
  custom_emoji: z.string().nullable().meta({ description: "The emoji when `reaction` is `custom`." }),
  sticker: stickerSchema.nullable().meta({ description: "When `reaction` is `sticker`." }),
  remote_number: z.string().meta({ description: "The human's number (E.164), for both directions." }),
  part_index: z.number().int().min(0),
  sequence: z.number().int().min(1).meta({ description: "The slot's change counter: 1, 2, 3 … without gaps." }),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
};

/** The full reaction object. */
export const reactionSchema = z.object(reactionFields).strict();

/** The entry in a message's `reactions` array: no ids implied by the message, no updated_at. */
export const compactReactionSchema = reactionSchema.omit({
  conversation_id: true,
  assignment_id: true,
  target_message_id: true,
  updated_at: true,
});

export const removedSchema = z
  .object({ removed: z.boolean().meta({ description: "false when nothing matching was live (a no-op)." }) })
  .strict();
