import { randomUUID } from "node:crypto";
import { touchConversation } from "../conversations/version";
import type { Db, Tx } from "../db/client";
import { Prisma } from "../generated/prisma/client";
import type { PartInput } from "../messages/schemas";
import type { Actor } from "../scope";
import type { ReactionRequest } from "../tapbacks/rules";

/**
 * Sends whose upstream outcome is unknown (SPEC §5.0): the upstream may or may not have
 * delivered. Each is kept here, answered `504 upstream_outcome_unknown`, and settled from the
 * upstream — a message by its tempGuid (the bridge's echo) or its text in the bridge's history,
 * a tapback by its echo — then recorded once, as if the call had answered (`sent`, with the
 * answer an Idempotency-Key retry replays), or dropped as `not_sent`.
 */

export type SendState = "unsettled" | "sent" | "not_sent";

export interface MessagePayload {
  type: "message";
  parts: PartInput[];
  sender: string;
  /** The send's trace_id and metadata (SPEC §3), recorded with the message once it is settled. */
  trace?: { traceId?: string; metadata?: Record<string, unknown> };
}

export interface ReactionPayload {
  type: "reaction";
  messageId: string;
  partIndex: number;
  sender: string;
  actor: Actor;
  /** What was asked: replayed when the upstream settles it as delivered without an echo (the sandbox). */
  request: ReactionRequest;
  /** What went to the upstream: its echo is matched against this. */
  delivered: { operation: "add" | "remove"; kind: string; customEmoji: string | null };
  /** The operation form's remove answers `{removed}`; every other send the reaction object. */
  answer: "reaction" | "removed";
  /**
   * When the send went to the upstream (this server's clock, ms): an echo made before it is not
   * this send's (findUnsettledReaction). Absent on rows kept before it was recorded.
   */
  startedAt?: number;
}

export type SendPayload = MessagePayload | ReactionPayload;

/** The answer a retry with the same Idempotency-Key gets once the send is settled as sent. */
export interface SettledAnswer {
  status: number;
  body: unknown;
}

export interface UnsettledRow {
  id: string;
  workspaceId: string;
  agentId: string;
  conversationId: string;
  state: SendState;
  tempGuid: string | null;
  payload: SendPayload;
  createdAt: Date;
  settleBy: Date;
}

/**
 * How long the upstream has to show a send before reconciliation calls it not sent: the
 * bridge's own wait for the Mac (60 s) has passed by the time it answers, so one
 * reconciliation interval after the answer is enough.
 */
export function settleWindowMs(): number {
  const seconds = Number(process.env.TAPDESK_BRIDGE_RECONCILE_S || 60);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

export async function recordUnsettled(
  db: Db,
  send: {
    workspaceId: string;
    agentId: string;
    conversationId: string;
    tempGuid?: string | null;
    payload: SendPayload;
  },
): Promise<string> {
  const id = randomUUID();
  // The thread shows it ("Not confirmed yet") from now on: its version moves with it.
  await db.$transaction(async (tx) => {
    await tx.unsettledSend.create({
      data: {
        id,
        workspaceId: send.workspaceId,
        agentId: send.agentId,
        conversationId: send.conversationId,
        kind: send.payload.type,
        tempGuid: send.tempGuid ?? null,
        payload: send.payload as unknown as Prisma.InputJsonValue,
        settleBy: new Date(Date.now() + settleWindowMs()),
      },
    });
    await touchConversation(tx, send.conversationId, new Date());
  });
  return id;
}

function rowOf(r: {
  id: string;
  workspaceId: string;
  agentId: string;
  conversationId: string;
  state: string;
  tempGuid: string | null;
  payload: Prisma.JsonValue;
  createdAt: Date;
  settleBy: Date;
}): UnsettledRow {
  return { ...r, state: r.state as SendState, payload: r.payload as unknown as SendPayload };
}

/** The agent's sends still unsettled, oldest first. */
export async function unsettledOfAgent(db: Db | Tx, agentId: string, kind?: "message" | "reaction") {
  const rows = await db.unsettledSend.findMany({
    where: { agentId, state: "unsettled", ...(kind ? { kind } : {}) },
    orderBy: { createdAt: "asc" },
  });
  return rows.map(rowOf);
}

/** A conversation's unsettled sends, for the thread ("Not confirmed yet"). */
export async function unsettledOfConversation(db: Db | Tx, conversationId: string) {
  const rows = await db.unsettledSend.findMany({
    where: { conversationId, state: "unsettled" },
    orderBy: { createdAt: "asc" },
  });
  return rows.map(rowOf);
}

export async function findUnsettled(db: Db | Tx, id: string) {
  const row = await db.unsettledSend.findUnique({ where: { id } });
  return row ? { ...rowOf(row), result: row.result as SettledAnswer | null } : null;
}

/**
 * The unsettled tapback whose echo this is: same message, part and delivered change. A slot's
 * sends reach the upstream one at a time (its lease), so when several unsettled sends of the
 * same change wait on one slot (the older ones perhaps never made), the echo made at `at` (the
 * upstream's time) is of the newest that had been sent by then: an older one's echo was made
 * before that send began. Without a time to go by (or none sent before it), the oldest.
 */
export async function findUnsettledReaction(
  db: Db | Tx,
  agentId: string,
  change: { messageId: string; partIndex: number; operation: "add" | "remove"; kind: string; at?: number },
): Promise<UnsettledRow | null> {
  const matching = (await unsettledOfAgent(db, agentId, "reaction")).filter((row) => {
    const p = row.payload;
    return (
      p.type === "reaction" &&
      p.messageId === change.messageId &&
      p.partIndex === change.partIndex &&
      p.delivered.operation === change.operation &&
      p.delivered.kind === change.kind
    );
  });
  const at = change.at;
  if (at !== undefined) {
    const startedBy = matching.filter((row) => {
      const startedAt = row.payload.type === "reaction" ? row.payload.startedAt : undefined;
      return startedAt !== undefined && startedAt <= at;
    });
    if (startedBy.length > 0) return startedBy[startedBy.length - 1] ?? null;
  }
  return matching[0] ?? null;
}

/**
 * In the transaction that records what the send did: marks it sent with its answer. False
 * when it was settled already (another instance, or the other of echo and reconciliation):
 * the caller rolls back, so the send is recorded once.
 */
export async function markSent(tx: Tx, id: string, answer: SettledAnswer): Promise<boolean> {
  const { count } = await tx.unsettledSend.updateMany({
    where: { id, state: "unsettled" },
    data: { state: "sent", result: answer as unknown as Prisma.InputJsonValue, settledAt: new Date() },
  });
  return count === 1;
}

/** The upstream never sent it: nothing is recorded, and a retry with its key runs afresh. */
export async function markNotSent(db: Db, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.unsettledSend.updateMany({
      where: { id, state: "unsettled" },
      data: { state: "not_sent", result: Prisma.JsonNull, settledAt: new Date() },
    });
    const row =
      count === 1 ? await tx.unsettledSend.findUnique({ where: { id }, select: { conversationId: true } }) : null;
    // The "Not confirmed yet" bubble or badge goes away: the thread's version moves.
    if (row) await touchConversation(tx, row.conversationId, new Date(0));
    return count === 1;
  });
}
