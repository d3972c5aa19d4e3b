import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { Agent } from "../generated/prisma/client";
import type { Scope } from "../scope";
import type { AgentObject, CreateAgentBody, UpdateAgentBody } from "./schemas";

/** The workspace's agents (SPEC §1): a name, one sending identity, and two flags. */
export function agentObject(row: Agent): AgentObject {
  return {
    id: row.id,
    name: row.name,
    handle: row.handle,
    imessage_enabled: row.imessageEnabled,
    custom_emoji_sends: row.customEmojiSends,
    created_at: row.createdAt.toISOString(),
  };
}

export async function listAgents(db: Db, scope: Scope): Promise<AgentObject[]> {
  const rows = await db.agent.findMany({
    where: { workspaceId: scope.workspaceId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(agentObject);
}

export async function getAgent(db: Db, scope: Scope, id: string): Promise<AgentObject> {
  const row = await db.agent.findFirst({ where: { id, workspaceId: scope.workspaceId } });
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
  return agentObject(row);
}

export async function updateAgent(db: Db, scope: Scope, id: string, input: UpdateAgentBody): Promise<AgentObject> {
  const count = await db.$transaction(async (tx) => {
    const { count } = await tx.agent.updateMany({
      where: { id, workspaceId: scope.workspaceId },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.imessage_enabled !== undefined ? { imessageEnabled: input.imessage_enabled } : {}),
        ...(input.custom_emoji_sends !== undefined ? { customEmojiSends: input.custom_emoji_sends } : {}),
      },
    });
    // Open threads show the agent's name and what it may send: their polls must see the change.
    if (count > 0) {
      await tx.conversation.updateMany({
        where: { agentId: id, workspaceId: scope.workspaceId },
        data: { version: { increment: 1 } },
      });
    }
    return count;
  });
  if (count === 0) throw new AppError("agent_not_found");
  return getAgent(db, scope, id);
}
