import { listReactionChanges as reactionChanges } from "../../audit/reaction-changes";
import { reactionChangePageSchema, reactionChangesQuery } from "../../audit/schemas";
import { conversationPageSchema, conversationSchema, listConversationsQuery } from "../../conversations/schemas";
import * as conversations from "../../conversations/service";
import { listMessagesQuery, messagePageSchema, messageSchema, sendMessageBody } from "../../messages/schemas";
import * as messages from "../../messages/service";
import { json, pathId } from "../http";
import { defineOperation } from "../operation";

export const listConversations = defineOperation({
  method: "get",
  path: "/conversations",
  tag: "Conversations",
  summary: "List conversations",
  description: "Newest activity first, cursor-paginated. An agent key lists only its agent's conversations.",
  query: listConversationsQuery,
  replies: { 200: { description: "One page.", schema: conversationPageSchema } },
  errors: [],
  handle: async ({ db, caller, query }) => json(await conversations.listConversations(db, caller, query())),
});

export const getConversation = defineOperation({
  method: "get",
  path: "/conversations/{id}",
  tag: "Conversations",
  summary: "Get a conversation",
  replies: { 200: { description: "The conversation.", schema: conversationSchema } },
  errors: ["conversation_not_found"],
  handle: async ({ db, caller }, { id }) =>
    json(await conversations.getConversation(db, caller, pathId(id, "conversation_not_found"))),
});

export const listMessages = defineOperation({
  method: "get",
  path: "/conversations/{id}/messages",
  tag: "Conversations",
  summary: "List a conversation's messages",
  description: "Oldest to newest, each with its parts and live reactions. Page back with `before`.",
  query: listMessagesQuery,
  replies: { 200: { description: "One page.", schema: messagePageSchema } },
  errors: ["conversation_not_found", "message_not_found"],
  handle: async ({ db, caller, query }, { id }) => {
    const { before, limit } = query();
    return json(
      await messages.listMessages(db, caller, pathId(id, "conversation_not_found"), {
        before: before === undefined ? undefined : pathId(before, "message_not_found"),
        limit,
      }),
    );
  },
});

export const sendMessage = defineOperation({
  method: "post",
  path: "/conversations/{id}/messages",
  tag: "Conversations",
  summary: "Send a message as the agent",
  description:
    "`trace_id` (at most 200 characters) links the message to the agent's own trace, and `metadata` (a JSON object, at most 4 KB) travels with it; both come back in reads, in the feedback export and in Langfuse scores.",
  body: sendMessageBody,
  example: { parts: [{ text: "Good news: your order shipped this morning." }] },
  replies: { 201: { description: "The message.", schema: messageSchema } },
  errors: [
    "conversation_not_found",
    "identity_not_imessage",
    "contact_blocked",
    "recipient_disconnected",
    "conversation_taken_over",
    "upstream_delivery_failed",
    "upstream_outcome_unknown",
  ],
  handle: async ({ db, caller, body }, { id }) => {
    const { parts, trace_id, metadata } = await body();
    const actor = { type: "api_key" as const, id: caller.apiKeyId };
    return json(
      await messages.sendMessage(db, caller, pathId(id, "conversation_not_found"), parts, actor, {
        traceId: trace_id,
        metadata,
      }),
      201,
    );
  },
});

export const getMessage = defineOperation({
  method: "get",
  path: "/messages/{id}",
  tag: "Conversations",
  summary: "Get a message",
  replies: { 200: { description: "The message with parts and reactions.", schema: messageSchema } },
  errors: ["message_not_found"],
  handle: async ({ db, caller }, { id }) =>
    json(await messages.getMessage(db, caller, pathId(id, "message_not_found"))),
});

export const listReactionChanges = defineOperation({
  method: "get",
  path: "/messages/{id}/reaction-changes",
  tag: "Conversations",
  summary: "List a message's reaction changes (the audit trail)",
  description:
    "Every add, replace and remove on the message's parts, oldest first, each with its slot's sequence and who made it: an API key (by name), an operator (by email), the human, or the bridge.",
  query: reactionChangesQuery,
  replies: { 200: { description: "One page of changes, oldest first.", schema: reactionChangePageSchema } },
  errors: ["message_not_found"],
  handle: async ({ db, caller, query }, { id }) => {
    const page = query();
    return json(await reactionChanges(db, caller, pathId(id, "message_not_found"), page));
  },
});
