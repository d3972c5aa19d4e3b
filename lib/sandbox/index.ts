import { randomUUID } from "node:crypto";
import { touchConversation, touchWorkspace } from "../conversations/version";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { PartInput } from "../messages/schemas";
import { receiveMessage, releaseQueued } from "../messages/service";
import { e164 } from "../phone";
import { conversationWhere, type Scope } from "../scope";
import { KINDS } from "../tapbacks/kinds";
import { react } from "../tapbacks/service";
import * as z from "../zod";

/**
 * The human side of the sandbox (docs/bridges.md): the person's phone and the router. Each
 * function is what one sandbox control does; the HTTP routes and the dashboard's sandbox
 * panel both call these.
 */

export const createConversationBody = z.object({ remote_number: e164, agent_id: z.uuid().optional() }).strict();

export const stickerInput = z
  .object({
    file_name: z.string().min(1).max(255),
    mime_type: z.string().regex(/^image\//, "Must be an image type."),
    url: z.string().min(1).max(2048),
    width: z.number().int().min(1).max(2048),
    height: z.number().int().min(1).max(2048),
  })
  .strict();

export const humanReactionBody = z
  .object({
    operation: z.enum(["add", "remove"]),
    type: z.enum(KINDS),
    custom_emoji: z.string().nullish(),
    sticker: stickerInput.nullish(),
    part_index: z.number().int().min(0).optional(),
  })
  .strict();

const latencyMs = z.number().int().min(0).max(60_000).meta({
  description: "Delay every delivery by this many milliseconds (0–60000), to show that a slow upstream blocks nothing.",
});

export const upstreamModeBody = z
  .object({
    mode: z.enum(["ok", "fail", "hold", "unknown"]),
    latency_ms: latencyMs.optional().meta({ description: "Omitted: unchanged." }),
  })
  .strict();

export const sandboxConversationSchema = z.object({ conversation_id: z.uuid(), assignment_id: z.uuid() }).strict();
export const assignmentStatusSchema = z
  .object({ id: z.uuid(), status: z.enum(["active", "disconnected"]), remote_number: z.string() })
  .strict();
export const upstreamModeSchema = z
  .object({ mode: z.enum(["ok", "fail", "hold", "unknown"]), latency_ms: latencyMs })
  .strict();
export const upstreamModeResultSchema = upstreamModeSchema
  .extend({ released: z.number().int().meta({ description: "Held messages sent now that the mode is ok." }) })
  .strict();

/**
 * The sandbox plays the human only in conversations whose agent is on the sandbox: where a
 * real bridge carries the agent, a real person answers, and the controls do not exist (404).
 */
const onSandbox = { bridge: { is: null } };

async function sandboxConversation(db: Db, scope: Scope, conversationId: string) {
  const found = await db.conversation.findFirst({
    where: { id: conversationId, ...conversationWhere(scope), agent: onSandbox },
    select: { id: true },
  });
  if (!found) throw new AppError("conversation_not_found");
}

/** The human sends a message from the sandbox phone. */
export async function humanSend(db: Db, scope: Scope, conversationId: string, parts: PartInput[]) {
  await sandboxConversation(db, scope, conversationId);
  return receiveMessage(db, scope, conversationId, parts);
}

export async function createConversation(db: Db, scope: Scope, input: z.infer<typeof createConversationBody>) {
  const agentId = input.agent_id ?? scope.agentId;
  // An agent key opens conversations for its own agent only: any other agent does not exist for it.
  const visible = !scope.agentId || agentId === scope.agentId;
  const agent = visible
    ? await db.agent.findFirst({
        where: { workspaceId: scope.workspaceId, ...onSandbox, ...(agentId ? { id: agentId } : {}) },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      })
    : null;
  if (!agent) throw new AppError("not_found", "No such agent in this workspace.");
  return db.$transaction(async (tx) => {
    const assignment = await tx.assignment.create({
      data: { id: randomUUID(), workspaceId: scope.workspaceId, agentId: agent.id, remoteNumber: input.remote_number },
    });
    const conversation = await tx.conversation.create({
      data: {
        id: randomUUID(),
        workspaceId: scope.workspaceId,
        assignmentId: assignment.id,
        agentId: agent.id,
        remoteNumber: input.remote_number,
      },
    });
    return { conversation_id: conversation.id, assignment_id: assignment.id };
  });
}

export async function humanReact(db: Db, scope: Scope, messageId: string, body: z.infer<typeof humanReactionBody>) {
  const onBridge = await db.message.findFirst({
    where: { id: messageId, workspaceId: scope.workspaceId, conversation: { agent: { bridge: { isNot: null } } } },
    select: { id: true },
  });
  if (onBridge) throw new AppError("message_not_found");
  return react(db, {
    scope,
    actor: { type: "human", id: "sandbox" },
    side: "human",
    messageId,
    partIndex: body.part_index,
    request:
      body.operation === "add"
        ? { operation: "add", kind: body.type, customEmoji: body.custom_emoji ?? null, sticker: body.sticker ?? null }
        : { operation: "remove", kind: body.type, customEmoji: body.custom_emoji ?? null },
  });
}

export async function setAssignmentStatus(
  db: Db,
  scope: Scope,
  assignmentId: string,
  status: "active" | "disconnected",
) {
  const assignment = await db.assignment.findFirst({
    where: {
      id: assignmentId,
      workspaceId: scope.workspaceId,
      conversation: conversationWhere(scope),
      agent: onSandbox,
    },
    include: { conversation: { select: { id: true } } },
  });
  if (!assignment) throw new AppError("not_found", "No such assignment.");
  return db.$transaction(async (tx) => {
    const updated = await tx.assignment.update({
      where: { id: assignment.id },
      data: {
        status,
        // The first disconnect's time stays while disconnected; reconnecting clears it.
        disconnectedAt: status === "active" ? null : (assignment.disconnectedAt ?? new Date()),
      },
    });
    if (assignment.conversation) await touchConversation(tx, assignment.conversation.id, new Date());
    return { id: updated.id, status: updated.status, remote_number: updated.remoteNumber };
  });
}

export async function setUpstreamMode(db: Db, scope: Scope, input: z.infer<typeof upstreamModeBody>) {
  const ws = await db.$transaction(async (tx) => {
    const updated = await tx.workspace.update({
      where: { id: scope.workspaceId },
      data: {
        upstreamMode: input.mode,
        ...(input.latency_ms !== undefined ? { upstreamLatencyMs: input.latency_ms } : {}),
      },
      select: { upstreamMode: true, upstreamLatencyMs: true },
    });
    // Every thread shows the mode and latency (and they are part of their ETag).
    await touchWorkspace(tx, scope.workspaceId);
    return updated;
  });
  const released = input.mode === "ok" ? await releaseQueued(db, scope.workspaceId) : 0;
  return { mode: ws.upstreamMode, latency_ms: ws.upstreamLatencyMs, released };
}

export async function getUpstreamMode(db: Db, scope: Scope) {
  const ws = await db.workspace.findUniqueOrThrow({
    where: { id: scope.workspaceId },
    select: { upstreamMode: true, upstreamLatencyMs: true },
  });
  return { mode: ws.upstreamMode, latency_ms: ws.upstreamLatencyMs };
}
