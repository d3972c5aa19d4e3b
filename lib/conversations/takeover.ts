import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { CHANNEL } from "../live/hub";
import type { Actor, Scope } from "../scope";
import { writeEvents } from "../webhooks/events";

/**
 * Take over (SPEC §11): an operator takes a conversation from its agent, and later hands it
 * back. While it is taken over, every send as the agent that does not come from an operator
 * (the API, MCP, anything on an API key) is refused with 409 conversation_taken_over; the
 * check sits in the two send paths themselves (lib/tapbacks/service.ts, lib/messages/service.ts)
 * so every caller of them inherits it. Each change is one transaction: the conversation's
 * state, the audit row (conversation_handoff), the webhook event (the outbox) and the
 * thread's version with its change notice.
 */

export interface TakenOver {
  operator: { id: string; email: string };
  at: Date;
}

/** The refusal an agent's send gets, naming who took the conversation and since when. */
export function takenOverError(state: TakenOver): AppError {
  const at = state.at.toISOString();
  return new AppError(
    "conversation_taken_over",
    `${state.operator.email} took this conversation over at ${at}; the agent's messages and tapbacks are refused until an operator hands it back.`,
    undefined,
    { taken_over_by: { id: state.operator.id, email: state.operator.email }, taken_over_at: at },
  );
}

/** Whether `actor` is refused by the take-over: operators (the dashboard) may still send as the agent. */
export function refusedWhileTakenOver(actor: Actor | undefined): boolean {
  return actor?.type !== "operator";
}

export interface HandoffResult {
  /** False when nothing changed (already taken over by this operator, or already with the agent). */
  changed: boolean;
  takenOver: TakenOver | null;
}

interface Row {
  id: string;
  agent_id: string;
  taken_over_by_id: string | null;
  taken_over_at: Date | null;
  email: string | null;
}

async function lockConversation(tx: Tx, scope: Scope, conversationId: string): Promise<Row> {
  const agentId = scope.agentId ?? null;
  const [row] = await tx.$queryRaw<Row[]>`
    SELECT c.id::text AS id, c.agent_id::text AS agent_id, c.taken_over_by_id::text AS taken_over_by_id,
           (c.taken_over_at AT TIME ZONE 'UTC') AS taken_over_at, o.email
      FROM conversation c LEFT JOIN operator o ON o.id = c.taken_over_by_id
     WHERE c.id = ${conversationId}::uuid AND c.workspace_id = ${scope.workspaceId}::uuid
       AND (${agentId}::uuid IS NULL OR c.agent_id = ${agentId}::uuid)
       FOR UPDATE OF c`;
  if (!row) throw new AppError("conversation_not_found");
  return row;
}

/**
 * The conversation's new take-over state, its version bumped (the thread's ETag) and its
 * change notice sent on commit; unlike a message, it does not move the conversation's activity.
 */
async function setTakenOver(tx: Tx, conversationId: string, operatorId: string | null, at: Date | null) {
  await tx.$executeRawUnsafe(
    `WITH touched AS (
       UPDATE conversation
          SET version = version + 1,
              taken_over_by_id = $2::uuid,
              taken_over_at = ($3::timestamptz AT TIME ZONE 'UTC')
        WHERE id = $1::uuid
    RETURNING workspace_id, id)
     SELECT count(pg_notify('${CHANNEL}', 'c ' || workspace_id || ' ' || id)) FROM touched`,
    conversationId,
    operatorId,
    at?.toISOString() ?? null,
  );
}

async function record(
  tx: Tx,
  scope: Scope,
  row: Row,
  operator: { id: string; email: string },
  action: "take_over" | "hand_back",
  at: Date,
) {
  await tx.conversationHandoff.create({
    data: {
      id: randomUUID(),
      workspaceId: scope.workspaceId,
      conversationId: row.id,
      operatorId: operator.id,
      action,
      createdAt: at,
    },
  });
  await writeEvents(
    tx,
    scope.workspaceId,
    [
      {
        type: action === "take_over" ? "conversation.taken_over" : "conversation.handed_back",
        data: {
          conversation_id: row.id,
          agent_id: row.agent_id,
          operator: { id: operator.id, email: operator.email },
          at: at.toISOString(),
        },
      },
    ],
    at,
  );
}

/**
 * `operator` takes the conversation over. Taking over one this operator already holds changes
 * nothing; one another operator holds is refused with a sentence naming them (they, or anyone,
 * hand it back first), so two operators never silently take it from each other.
 */
export async function takeOver(
  db: Db,
  scope: Scope,
  operator: { id: string; email: string },
  conversationId: string,
): Promise<HandoffResult> {
  return db.$transaction(async (tx) => {
    const row = await lockConversation(tx, scope, conversationId);
    if (row.taken_over_by_id) {
      const current = { operator: { id: row.taken_over_by_id, email: row.email ?? "" }, at: row.taken_over_at! };
      if (row.taken_over_by_id === operator.id) return { changed: false, takenOver: current };
      throw new AppError(
        "conversation_taken_over",
        `${current.operator.email} has already taken this conversation over; hand it back first.`,
      );
    }
    const at = new Date();
    await setTakenOver(tx, row.id, operator.id, at);
    await record(tx, scope, row, operator, "take_over", at);
    return { changed: true, takenOver: { operator: { id: operator.id, email: operator.email }, at } };
  });
}

/** Hands the conversation back to its agent; any operator may (the one who took it may be away). */
export async function handBack(
  db: Db,
  scope: Scope,
  operator: { id: string; email: string },
  conversationId: string,
): Promise<HandoffResult> {
  return db.$transaction(async (tx) => {
    const row = await lockConversation(tx, scope, conversationId);
    if (!row.taken_over_by_id) return { changed: false, takenOver: null };
    const at = new Date();
    await setTakenOver(tx, row.id, null, null);
    await record(tx, scope, row, operator, "hand_back", at);
    return { changed: true, takenOver: null };
  });
}

/** The take-over state of a conversation row read with its operator's email. */
export function takenOverOf(row: {
  takenOverAt: Date | null;
  takenOverBy: { id: string; email: string } | null;
}): TakenOver | null {
  return row.takenOverBy && row.takenOverAt ? { operator: row.takenOverBy, at: row.takenOverAt } : null;
}
