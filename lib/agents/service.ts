import { randomUUID } from "node:crypto";
import { bridgeObject, linkBridge, unlinkBridge } from "../bridges/bluebubbles/bridge";
import { touchWorkspace } from "../conversations/version";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import { destinationObject, setFeedbackDestination } from "../feedback/langfuse";
import type { Agent, BlueBubblesBridge, FeedbackDestination } from "../generated/prisma/client";
import type { Scope } from "../scope";
import type { AgentObject, CreateAgentBody, UpdateAgentBody } from "./schemas";

const withBridge = { bridge: true, feedback: true } as const;

/** The workspace's agents: a name, one sending identity, two flags, and its upstream. */
export async function agentObject(
  row: Agent & { bridge: BlueBubblesBridge | null; feedback: FeedbackDestination | null },
): Promise<AgentObject> {
  return {
    id: row.id,
    name: row.name,
    handle: row.handle,
    imessage_enabled: row.imessageEnabled,
    custom_emoji_sends: row.customEmojiSends,
    bridge: await bridgeObject(row.bridge),
    feedback: destinationObject(row.feedback),
    created_at: row.createdAt.toISOString(),
  };
}

export async function listAgents(db: Db, scope: Scope): Promise<AgentObject[]> {
  const rows = await db.agent.findMany({
    where: { workspaceId: scope.workspaceId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: withBridge,
  });
  return Promise.all(rows.map(agentObject));
}

export async function getAgent(db: Db, scope: Scope, id: string): Promise<AgentObject> {
  const row = await db.agent.findFirst({ where: { id, workspaceId: scope.workspaceId }, include: withBridge });
  if (!row) throw new AppError("agent_not_found");
  return agentObject(row);
}

export async function createAgent(db: Db, scope: Scope, input: CreateAgentBody): Promise<AgentObject> {
  // ON CONFLICT DO NOTHING on (workspace, handle): a taken handle is reported, never raced into a 500.
  const [row] = await db.agent.createManyAndReturn({
    data: [
      {
        id: randomUUID(),
        workspaceId: scope.workspaceId,
        name: input.name,
        handle: input.handle,
        imessageEnabled: input.imessage_enabled ?? true,
        customEmojiSends: input.custom_emoji_sends ?? false,
      },
    ],
    skipDuplicates: true,
  });
  if (!row) throw new AppError("agent_handle_taken", `Another agent of this workspace already uses ${input.handle}.`);
  return agentObject({ ...row, bridge: null, feedback: null });
}

export async function updateAgent(db: Db, scope: Scope, id: string, input: UpdateAgentBody): Promise<AgentObject> {
  // The bridge first: linking calls the Mac, and a bridge it cannot reach saves nothing at all.
  if (input.bridge || input.feedback !== undefined) {
    const agent = await db.agent.findFirst({ where: { id, workspaceId: scope.workspaceId }, select: { id: true } });
    if (!agent) throw new AppError("agent_not_found");
  }
  if (input.bridge) {
    if (input.bridge.kind === "bluebubbles") await linkBridge(db, scope.workspaceId, id, input.bridge);
    else await unlinkBridge(db, scope.workspaceId, id);
  }
  if (input.feedback !== undefined) await setFeedbackDestination(db, scope.workspaceId, id, input.feedback);
  const data = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.imessage_enabled !== undefined ? { imessageEnabled: input.imessage_enabled } : {}),
    ...(input.custom_emoji_sends !== undefined ? { customEmojiSends: input.custom_emoji_sends } : {}),
  };
  const where = { id, workspaceId: scope.workspaceId };
  const count = await db.$transaction(async (tx) => {
    // Prisma skips an update with nothing to set (count 0): then count the agent instead.
    const count = Object.keys(data).length
      ? (await tx.agent.updateMany({ where, data })).count
      : await tx.agent.count({ where });
    // Open threads show the agent's name and what it may send: their polls must see the change,
    // and those waiting (or answering from a kept ETag) are told, as every bumped version is.
    if (count > 0) {
      await tx.conversation.updateMany({
        where: { agentId: id, workspaceId: scope.workspaceId },
        data: { version: { increment: 1 } },
      });
      await touchWorkspace(tx, scope.workspaceId);
    }
    return count;
  });
  if (count === 0) throw new AppError("agent_not_found");
  return getAgent(db, scope, id);
}
