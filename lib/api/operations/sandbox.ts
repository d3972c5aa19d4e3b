import { humanMessageBody, messageSchema } from "../../messages/schemas";
import * as sandbox from "../../sandbox";
import {
  assignmentStatusSchema,
  createConversationBody,
  humanReactionBody,
  sandboxConversationSchema,
  upstreamModeBody,
  upstreamModeResultSchema,
  upstreamModeSchema,
} from "../../sandbox";
import { reactionSchema, removedSchema } from "../../tapbacks/schemas";
import * as z from "../../zod";
import { json, pathId } from "../http";
import { defineOperation } from "../operation";
import { reactionBody, reactionResponse } from "../reactions";

// The sandbox: the human's side of a conversation, and the fault modes of the sandbox upstream
// (see docs/bridges.md). Its controls exist only while the sandbox is the agent's upstream.

export const createSandboxConversation = defineOperation({
  method: "post",
  path: "/sandbox/conversations",
  tag: "Sandbox",
  summary: "Start a conversation with a sandbox human",
  description:
    "Creates an assignment and its conversation. Sandbox controls exist only while the sandbox is the upstream.",
  body: createConversationBody,
  example: { remote_number: "+14155550123" },
  replies: { 201: { description: "The new conversation.", schema: sandboxConversationSchema } },
  errors: ["not_found"],
  handle: async ({ db, caller, body }) => json(await sandbox.createConversation(db, caller, await body()), 201),
});

export const humanSendsMessage = defineOperation({
  method: "post",
  path: "/sandbox/conversations/{id}/inbound",
  tag: "Sandbox",
  summary: "The human sends a message",
  body: humanMessageBody,
  example: { parts: [{ text: "Hi! Is my order shipping today?" }] },
  replies: { 201: { description: "The message.", schema: messageSchema } },
  errors: ["conversation_not_found"],
  handle: async ({ db, caller, body }, { id }) => {
    const { parts } = await body();
    return json(await sandbox.humanSend(db, caller, pathId(id, "conversation_not_found"), parts), 201);
  },
});

export const humanReacts = defineOperation({
  method: "post",
  path: "/sandbox/messages/{id}/reactions",
  tag: "Sandbox",
  summary: "The human reacts",
  description: "Humans may use any emoji and stickers.",
  body: humanReactionBody,
  example: { operation: "add", type: "love", part_index: 0 },
  bodyParser: reactionBody("type"),
  replies: {
    201: { description: "Added, or replaced in place.", schema: reactionSchema },
    200: { description: "No-op, or a removal: `{removed}`.", schema: z.union([reactionSchema, removedSchema]) },
  },
  errors: ["invalid_reaction", "invalid_part_index", "message_not_found"],
  handle: async ({ db, caller, body }, { id }) => {
    const reaction = await body();
    const result = await sandbox.humanReact(db, caller, pathId(id, "message_not_found"), reaction);
    if (reaction.operation === "remove") return json({ removed: result.outcome === "removed" });
    return reactionResponse(result);
  },
});

export const humanDisconnects = defineOperation({
  method: "post",
  path: "/sandbox/assignments/{id}/disconnect",
  tag: "Sandbox",
  summary: "The human disconnects",
  replies: { 200: { description: "The assignment.", schema: assignmentStatusSchema } },
  errors: ["not_found"],
  handle: async ({ db, caller }, { id }) =>
    json(await sandbox.setAssignmentStatus(db, caller, pathId(id), "disconnected")),
});

export const humanReconnects = defineOperation({
  method: "post",
  path: "/sandbox/assignments/{id}/reconnect",
  tag: "Sandbox",
  summary: "The human reconnects",
  replies: { 200: { description: "The assignment.", schema: assignmentStatusSchema } },
  errors: ["not_found"],
  handle: async ({ db, caller }, { id }) => json(await sandbox.setAssignmentStatus(db, caller, pathId(id), "active")),
});

export const getUpstreamMode = defineOperation({
  method: "get",
  path: "/sandbox/upstream",
  tag: "Sandbox",
  summary: "The sandbox upstream's fault mode and latency",
  replies: { 200: { description: "The mode.", schema: upstreamModeSchema } },
  errors: ["not_found"],
  handle: async ({ db, caller }) => json(await sandbox.getUpstreamMode(db, caller)),
});

export const setUpstreamMode = defineOperation({
  method: "put",
  path: "/sandbox/upstream",
  tag: "Sandbox",
  summary: "Set the sandbox upstream's fault mode and latency",
  // Workspace-wide state: it changes every agent's deliveries and releases their held messages.
  workspaceKey: true,
  description:
    "Workspace-wide keys only: the mode applies to every agent of the workspace. `fail`: every delivery fails (502). `hold`: new outbound messages stay queued until `ok`. `unknown`: every delivery is made, but answered as an unknown outcome (504 upstream_outcome_unknown), then settled as sent shortly after — the whole unsettled path without a bridge. `latency_ms` delays every delivery, to show that a slow upstream blocks nothing else. The sandbox controls answer 404 for conversations whose agent is on a BlueBubbles bridge.",
  body: upstreamModeBody,
  example: { mode: "ok", latency_ms: 0 },
  replies: {
    200: { description: "The mode, and how many held messages went out.", schema: upstreamModeResultSchema },
  },
  errors: ["not_found"],
  handle: async ({ db, caller, body }) => json(await sandbox.setUpstreamMode(db, caller, await body())),
});
