import type { Db } from "../db/client";
import type { Scope } from "../scope";

/** The Langfuse delivery log of one agent (Settings → Webhooks, beside the webhooks' log): newest change first. */

export interface ScoreAttemptObject {
  number: number;
  method: string;
  url: string;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface ScoreDeliveryObject {
  id: string;
  agent_id: string;
  message_id: string;
  part_index: number;
  score_id: string;
  operation: "upsert" | "delete";
  sequence: number;
  status: "pending" | "failed" | "succeeded" | "dead";
  next_attempt_at: string | null;
  last_error: string | null;
  updated_at: string;
  attempts: ScoreAttemptObject[];
}

export async function listScoreDeliveries(
  db: Db,
  scope: Scope,
  /** One agent's, or (null) every agent's of the workspace. */
  agentId: string | null,
  limit = 50,
): Promise<ScoreDeliveryObject[]> {
  const rows = await db.scoreDelivery.findMany({
    where: { workspaceId: scope.workspaceId, ...(agentId ? { agentId } : {}) },
    orderBy: [{ updatedAt: "desc" }, { id: "asc" }],
    take: limit,
    include: { log: { orderBy: { number: "asc" } } },
  });
  return rows.map((row) => ({
    id: row.id,
    agent_id: row.agentId,
    message_id: row.messageId,
    part_index: row.partIndex,
    score_id: row.scoreId,
    operation: row.operation === "delete" ? "delete" : "upsert",
    sequence: row.sequence,
    status: row.status,
    next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
    last_error: row.lastError,
    updated_at: row.updatedAt.toISOString(),
    attempts: row.log.map((a) => ({
      number: a.number,
      method: a.method,
      url: a.url,
      started_at: a.startedAt.toISOString(),
      duration_ms: a.durationMs,
      status_code: a.statusCode,
      error: a.error,
    })),
  }));
}
