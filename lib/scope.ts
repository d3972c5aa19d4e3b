/**
 * Who is asking, and what they may see: a workspace, and for agent-restricted API keys
 * one agent. Everything that reads or writes workspace data takes a Scope.
 */
export interface Scope {
  workspaceId: string;
  /** Set for agent-restricted API keys: only that agent's conversations exist for them. */
  agentId?: string | null;
}

/** Who made a change, for the audit trail (docs/tapback-rules.md, "What every change records"). */
export interface Actor {
  type: "api_key" | "operator" | "human" | "bridge";
  id: string;
}

/** The Prisma `where` that limits conversations to a scope. */
export function conversationWhere(scope: Scope) {
  return scope.agentId
    ? { workspaceId: scope.workspaceId, agentId: scope.agentId }
    : { workspaceId: scope.workspaceId };
}
