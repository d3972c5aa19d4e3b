import { AppError } from "../../errors";
import * as tapbacks from "../../tapbacks/queries";
import { reactionOperationBody, reactionSchema, removedSchema, sendReactionBody } from "../../tapbacks/schemas";
import * as z from "../../zod";
import { EXAMPLE_IDS } from "../examples";
import { json, noContent, pathId } from "../http";
import { defineOperation } from "../operation";
import { agentReact, reactionBody, reactionResponse } from "../reactions";

/** What a tapback send can answer after its body is read: the reaction table, in its order. */
const SEND_ERRORS = [
  "invalid_reaction",
  "invalid_part_index",
  "message_not_found",
  "reaction_not_sendable",
  "identity_not_imessage",
  "contact_blocked",
  "recipient_disconnected",
  "conversation_taken_over",
  "message_not_reactable",
  "upstream_delivery_failed",
  "upstream_outcome_unknown",
] as const;

export const sendReaction = defineOperation({
  method: "post",
  path: "/reactions",
  tag: "Reactions",
  summary: "Send a tapback",
  description:
    "The agent of the message's conversation reacts. A new tapback on a part where the agent already has one replaces it in place (same id and created_at, next sequence). Sending the live tapback again changes nothing.",
  // The same tapback again is a no-op (rule 2); a different one replaces the agent's last one.
  hints: { idempotentHint: true, destructiveHint: true },
  body: sendReactionBody,
  example: { message_id: EXAMPLE_IDS.message, reaction: "love", part_index: 0 },
  bodyParser: reactionBody("reaction"),
  replies: {
    201: { description: "Added, or replaced in place.", schema: reactionSchema },
    200: { description: "No-op: that tapback was already live. The same object back.", schema: reactionSchema },
  },
  errors: [...SEND_ERRORS],
  handle: async ({ db, caller, body }) => {
    const { message_id, part_index, reaction, custom_emoji } = await body();
    const target = { messageId: message_id, partIndex: part_index };
    return reactionResponse(
      await agentReact(db, caller, target, { operation: "add", kind: reaction, customEmoji: custom_emoji ?? null }),
    );
  },
});

export const operateReaction = defineOperation({
  method: "post",
  path: "/messages/{id}/reactions",
  tag: "Reactions",
  summary: "Add or remove a reaction (operation form)",
  description:
    "`add` behaves like POST /reactions. `remove` takes the agent's live tapback off the part when it is of `type` (for `custom`, also of `custom_emoji` when given); otherwise it is a no-op.",
  hints: { idempotentHint: true, destructiveHint: true },
  body: reactionOperationBody,
  example: { operation: "add", type: "like", part_index: 0 },
  bodyParser: reactionBody("type"),
  replies: {
    201: { description: "add: added, or replaced in place.", schema: reactionSchema },
    200: {
      description: "add: no-op, the same object back. remove: `{removed: true | false}`.",
      schema: z.union([reactionSchema, removedSchema]),
    },
  },
  errors: [...SEND_ERRORS],
  handle: async ({ db, caller, body }, { id }) => {
    const { operation, type, custom_emoji, part_index } = await body();
    const target = { messageId: pathId(id, "message_not_found"), partIndex: part_index };
    const tapback = { kind: type, customEmoji: custom_emoji ?? null };
    if (operation === "remove") {
      const result = await agentReact(db, caller, target, { operation: "remove", ...tapback });
      return json({ removed: result.outcome === "removed" });
    }
    return reactionResponse(await agentReact(db, caller, target, { operation: "add", ...tapback }));
  },
});

export const getReaction = defineOperation({
  method: "get",
  path: "/reactions/{id}",
  tag: "Reactions",
  summary: "Get a live reaction",
  replies: { 200: { description: "The reaction.", schema: reactionSchema } },
  errors: ["reaction_not_found"],
  handle: async ({ db, caller }, { id }) =>
    json(await tapbacks.getReaction(db, caller, pathId(id, "reaction_not_found"))),
});

export const removeReaction = defineOperation({
  method: "delete",
  path: "/reactions/{id}",
  tag: "Reactions",
  summary: "Remove the agent's own tapback",
  description: "A reaction placed by the human cannot be removed (403 reaction_not_owned).",
  replies: { 204: { description: "Removed." } },
  errors: [
    "reaction_not_found",
    "reaction_not_owned",
    "identity_not_imessage",
    "contact_blocked",
    "recipient_disconnected",
    "conversation_taken_over",
    "upstream_delivery_failed",
    "upstream_outcome_unknown",
  ],
  handle: async ({ db, caller }, { id }) => {
    const reaction = await tapbacks.findRemovableReaction(db, caller, pathId(id, "reaction_not_found"));
    const result = await agentReact(db, caller, reaction, { operation: "remove", reactionId: reaction.id });
    // Removed by someone else between the lookup and the slot's lock: it is gone all the same.
    if (result.outcome !== "removed") throw new AppError("reaction_not_found");
    return noContent();
  },
});
