import { randomUUID } from "node:crypto";
import { refusedWhileTakenOver, takenOverError } from "../conversations/takeover";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import { recordFeedback } from "../feedback/record";
import { Prisma } from "../generated/prisma/client";
import { isUuid } from "../ids";
import type { Actor, Scope } from "../scope";
import {
  findUnsettled,
  findUnsettledReaction,
  markSent,
  recordUnsettled,
  type SettledAnswer,
  type UnsettledRow,
} from "../sends/unsettled";
import { SANDBOX, type SandboxControls, type Upstream, UpstreamError, upstreamFor } from "../upstream";
import { claimBridgeGuid } from "../upstream/guids";
import { trackSend } from "../upstream/in-flight";
import type { TapbackKind } from "./kinds";
import { NOTHING_OBSERVED, noteObserved, type ObservedState, type ObservedTime, placeObserved } from "./order";
import { type ChangeToRecord, type RecordedRow, recordChange } from "./record";
import {
  agentSendRefusal,
  type Decision,
  decide,
  decideSticker,
  isStickerRequest,
  type Outcome,
  outcomeOf,
  type ReactionRequest,
  requestProblem,
  type Side,
  stickerLane,
  TAPBACK_LANE,
  type Tapback,
} from "./rules";
import { fullReaction, type ReactionObject } from "./serialize";
import { LEASE_DEFAULTS, type Lease, LeaseError, type SlotKey, withSlotLease } from "./slot-lease";

/**
 * The one tapback service: every send and removal — API, dashboard, sandbox human, bridge —
 * goes through `react`. The rules decide (rules.ts); this applies the decision:
 *
 * 1. look up the target and run the error table's checks (no transaction);
 * 2. take the slot's lease (slot-lease.ts), reading what is live in the same statement (and
 *    the sandbox's controls when it is the upstream), and decide;
 * 3. deliver to the agent's upstream, holding no transaction and no connection while it waits;
 * 4. record the change in one short transaction that also ends the lease: the reaction row,
 *    the slot's next sequence, the audit row, the conversation's version and the webhook events.
 *
 * An upstream refusal happens before step 4, so a 502 leaves nothing changed.
 */

export type { Outcome, ReactionRequest, Side } from "./rules";

export interface ReactInput {
  scope: Scope;
  actor: Actor;
  side: Side;
  messageId: string;
  partIndex?: number;
  request: ReactionRequest;
  /**
   * A change that already happened on the agent's bridge (the human's phone, or the Mac
   * itself): it is not delivered again, and its guid is applied at most once.
   */
  observed?: ObservedChange;
  /**
   * Settles a send whose outcome was unknown (lib/sends/unsettled.ts): nothing is delivered,
   * the change is recorded with the send's own actor, and the send is marked sent with this
   * answer, in the same transaction — once.
   */
  settles?: { id: string; answer: "reaction" | "removed" };
  /**
   * The observed change is the agent's own (the bridge's echo of a send): under the slot's
   * lease it settles the unsettled send it echoes, if there is one, as that send's. Looked up
   * there, not before: an echo can arrive while its send is still being answered, and the
   * lease makes it wait until the send is recorded as unsettled.
   */
  settlesEcho?: boolean;
}

/**
 * A change the upstream reports, with the time it recorded it (BlueBubbles' dateCreated, its
 * ROWID breaking ties): the phone's order, whatever order the network delivers them in.
 */
export interface ObservedChange {
  agentId: string;
  guid: string;
  at?: number;
  rowid?: number | null;
}

export interface ReactResult {
  outcome: Outcome;
  /** The live reaction after the change; for a removal, the one removed; null for a no-op on an empty slot. */
  reaction: ReactionObject | null;
  previous: Tapback | null;
}

const NOOP: ReactResult = { outcome: "noop", reaction: null, previous: null };

interface TargetRow {
  id: string;
  direction: "inbound" | "outbound";
  status: "queued" | "sent" | "delivered" | "failed" | "received";
  conversation_id: string;
  bridge_guid: string | null;
  parts: number;
  remote_number: string;
  chat_guid: string | null;
  assignment_id: string;
  assignment_status: "active" | "disconnected";
  agent_id: string;
  handle: string;
  imessage_enabled: boolean;
  custom_emoji_sends: boolean;
  bridge_id: string | null;
  taken_over_by_id: string | null;
  taken_over_by_email: string | null;
  taken_over_at: Date | null;
  contact_blocked: boolean;
}

/**
 * The target message with everything the checks need, in one statement: as a nested Prisma
 * select it took six queries (one per relation), and whether a contact rule blocks its number
 * another one; now one round trip answers every check of the error table.
 */
async function findTarget(db: Db, scope: Scope, messageId: string) {
  if (!isUuid(messageId)) throw new AppError("message_not_found");
  const agentId = scope.agentId ?? null;
  // Prepared once per connection on PostgreSQL (lib/db/client.ts, PREPARED), as are the lease and the recording.
  const [row] = await db.$queryRaw<TargetRow[]>`/* prepared */
    SELECT m.id::text AS id, m.direction::text AS direction, m.status::text AS status,
           m.conversation_id::text AS conversation_id, m.bridge_guid,
           (SELECT count(*) FROM message_part p WHERE p.message_id = m.id)::int AS parts,
           c.remote_number, c.chat_guid,
           a.id::text AS assignment_id, a.status::text AS assignment_status,
           g.id::text AS agent_id, g.handle, g.imessage_enabled, g.custom_emoji_sends,
           b.id::text AS bridge_id,
           c.taken_over_by_id::text AS taken_over_by_id, o.email AS taken_over_by_email,
           (c.taken_over_at AT TIME ZONE 'UTC') AS taken_over_at,
           -- A contact rule on the number, or on a prefix of it (patternsMatching in lib/contact-rules).
           EXISTS (SELECT 1 FROM contact_rule r
                    WHERE r.workspace_id = m.workspace_id
                      AND r.pattern = ANY (ARRAY[c.remote_number] || ARRAY(
                            SELECT left(c.remote_number, n) || '*' FROM generate_series(2, length(c.remote_number)) AS n))
                  ) AS contact_blocked
      FROM message m
      JOIN conversation c ON c.id = m.conversation_id AND c.workspace_id = m.workspace_id
      JOIN assignment a ON a.id = c.assignment_id
      JOIN agent g ON g.id = c.agent_id
      LEFT JOIN bluebubbles_bridge b ON b.agent_id = g.id
      LEFT JOIN operator o ON o.id = c.taken_over_by_id
     WHERE m.id = ${messageId}::uuid AND m.workspace_id = ${scope.workspaceId}::uuid
       AND (${agentId}::uuid IS NULL OR c.agent_id = ${agentId}::uuid)`;
  if (!row) throw new AppError("message_not_found");
  return {
    id: row.id,
    direction: row.direction,
    status: row.status,
    conversationId: row.conversation_id,
    bridgeGuid: row.bridge_guid,
    partCount: row.parts,
    contactBlocked: row.contact_blocked,
    conversation: {
      remoteNumber: row.remote_number,
      chatGuid: row.chat_guid,
      takenOver:
        row.taken_over_by_id && row.taken_over_at
          ? { operator: { id: row.taken_over_by_id, email: row.taken_over_by_email ?? "" }, at: row.taken_over_at }
          : null,
      assignment: { id: row.assignment_id, status: row.assignment_status },
      agent: {
        id: row.agent_id,
        handle: row.handle,
        imessageEnabled: row.imessage_enabled,
        customEmojiSends: row.custom_emoji_sends,
        bridge: row.bridge_id ? { id: row.bridge_id } : null,
      },
    },
  };
}

type Target = Awaited<ReturnType<typeof findTarget>>;

/** The checks of the error table that follow the lookup, in the table's order. */
function checkAgentMayReact(target: Target, input: ReactInput, contactBlocked: boolean, upstream: Upstream) {
  const { request } = input;
  const agent = target.conversation.agent;
  const refusal = agentSendRefusal(request, agent, upstream.capabilities);
  if (refusal) throw new AppError("reaction_not_sendable", refusal);
  if (!agent.imessageEnabled) throw new AppError("identity_not_imessage");
  if (contactBlocked) throw new AppError("contact_blocked");
  if (target.conversation.assignment.status === "disconnected") throw new AppError("recipient_disconnected");
  if (target.conversation.takenOver && refusedWhileTakenOver(input.actor)) {
    throw takenOverError(target.conversation.takenOver);
  }
  if (target.direction === "outbound" && (target.status === "queued" || target.status === "failed")) {
    throw new AppError(
      "message_not_reactable",
      target.status === "queued"
        ? "The message is still queued; it can take reactions once it is sent."
        : "The message failed to send and cannot take reactions.",
    );
  }
  if (agent.bridge && !target.bridgeGuid) {
    throw new AppError(
      "message_not_reactable",
      "The bridge does not know this message (it predates the bridge), so it cannot take tapbacks.",
    );
  }
}

interface Ctx {
  input: ReactInput;
  target: Target;
  sender: string;
  partIndex: number;
  /** Null when nothing is delivered: the human's changes, and changes observed on the bridge. */
  upstream: Upstream | null;
}

export async function react(db: Db, input: ReactInput): Promise<ReactResult> {
  const { request, scope } = input;
  const partIndex = input.partIndex ?? 0;
  if (!Number.isInteger(partIndex) || partIndex < 0) throw new AppError("invalid_part_index");
  const problem = requestProblem(input.side, request);
  if (problem) {
    throw new AppError(
      problem.code,
      problem.sentence,
      problem.field ? [{ field: problem.field, message: "Required when the reaction is a sticker." }] : undefined,
    );
  }

  const target = await findTarget(db, scope, input.messageId);
  const partCount = target.partCount;
  if (partIndex >= partCount) {
    throw new AppError(
      "invalid_part_index",
      `The message has ${partCount} part${partCount === 1 ? "" : "s"}; part_index must be below that.`,
    );
  }
  const agent = target.conversation.agent;
  let upstream: Upstream | null = null;
  if (input.side === "agent" && !input.observed && !input.settles) {
    upstream = upstreamFor(db, { id: agent.id, bridged: agent.bridge !== null });
    checkAgentMayReact(target, input, target.contactBlocked, upstream);
  }
  const sender = input.side === "agent" ? agent.handle : target.conversation.remoteNumber;
  const ctx: Ctx = { input, target, sender, partIndex, upstream };

  try {
    if (isStickerRequest(request)) return await applySticker(db, ctx);
    return await trackSend(
      withSlotLease<ReactResult, LiveTapbackRow>(
        db,
        slotKey(ctx, TAPBACK_LANE),
        (lease) => applyTapback(db, ctx, lease),
        LEASE_DEFAULTS,
        tapbackSlotRead(ctx, true),
      ),
    );
  } catch (error) {
    if (error instanceof AlreadyApplied) return NOOP;
    if (error instanceof UpstreamError) throw new AppError("upstream_delivery_failed", error.message);
    // Only before anything was delivered: a lease lost after delivery is an unknown outcome (applyTapback).
    if (error instanceof LeaseError) {
      throw new AppError("upstream_delivery_failed", `Not sent: ${error.message}. Try again.`);
    }
    throw error;
  }
}

function slotKey(ctx: Ctx, lane: string): SlotKey {
  return {
    workspaceId: ctx.input.scope.workspaceId,
    messageId: ctx.target.id,
    partIndex: ctx.partIndex,
    sender: ctx.sender,
    lane,
  };
}

/** An observed bridge change whose guid was applied before: the transaction rolls back as a no-op. */
class AlreadyApplied extends Error {}

/** Records a bridge guid in the change's transaction; false if it was applied before. */
function claimGuid(db: Tx | Db, ctx: Ctx, guid: string): Promise<boolean> {
  return claimBridgeGuid(db, {
    agentId: ctx.target.conversation.agent.id,
    guid,
    workspaceId: ctx.input.scope.workspaceId,
  });
}

/** The slot row (created on its first change), locked for the rest of the transaction. */
async function lockSlot(tx: Tx, ctx: Ctx, lane: string) {
  const [slot] = await tx.$queryRaw<{ id: string; sequence: number }[]>`
    INSERT INTO reaction_slot (id, workspace_id, message_id, part_index, sender, lane)
    VALUES (${randomUUID()}::uuid, ${ctx.input.scope.workspaceId}::uuid, ${ctx.target.id}::uuid,
            ${ctx.partIndex}, ${ctx.sender}, ${lane})
    ON CONFLICT (message_id, part_index, sender, lane) DO UPDATE SET sequence = reaction_slot.sequence
    RETURNING id::text AS id, sequence`;
  if (!slot) throw new Error("reaction slot vanished while locking it");
  return slot;
}

/** What the slot has seen of the upstream's changes (lib/tapbacks/order.ts). */
async function readObserved(db: Db, ctx: Ctx, lane: string): Promise<ObservedState> {
  const slot = await db.reactionSlot.findUnique({
    where: {
      messageId_partIndex_sender_lane: { messageId: ctx.target.id, partIndex: ctx.partIndex, sender: ctx.sender, lane },
    },
    select: { observedAt: true, observedRowid: true, observedRemovals: true },
  });
  if (!slot) return NOTHING_OBSERVED;
  const removals: Record<string, ObservedTime> = {};
  const stored = (slot.observedRemovals ?? {}) as Record<string, [number, number | null]>;
  for (const [key, [at, rowid]] of Object.entries(stored)) removals[key] = { at, rowid };
  const add =
    slot.observedAt == null
      ? null
      : { at: Number(slot.observedAt), rowid: slot.observedRowid == null ? null : Number(slot.observedRowid) };
  return { add, removals };
}

/**
 * Keeps what the slot has seen (creating the slot row on its first change). Only the holder of
 * the slot's lease writes it, so what it read is still what is there.
 */
async function writeObserved(tx: Tx, ctx: Ctx, lane: string, state: ObservedState) {
  const removals = JSON.stringify(
    Object.fromEntries(Object.entries(state.removals).map(([key, t]) => [key, [t.at, t.rowid]])),
  );
  await tx.$executeRaw`
    INSERT INTO reaction_slot (id, workspace_id, message_id, part_index, sender, lane, observed_at, observed_rowid, observed_removals)
    VALUES (${randomUUID()}::uuid, ${ctx.input.scope.workspaceId}::uuid, ${ctx.target.id}::uuid,
            ${ctx.partIndex}, ${ctx.sender}, ${lane}, ${state.add?.at ?? null}::bigint, ${state.add?.rowid ?? null}::bigint,
            ${removals}::jsonb)
    ON CONFLICT (message_id, part_index, sender, lane) DO UPDATE
       SET observed_at = EXCLUDED.observed_at, observed_rowid = EXCLUDED.observed_rowid,
           observed_removals = EXCLUDED.observed_removals`;
}

/** The input, settling the unsettled send this echo is of (if any) as that send's. */
async function withEchoedSend(db: Db, ctx: Ctx): Promise<ReactInput> {
  const { request } = ctx.input;
  if (!request.kind) return ctx.input;
  const send = await findUnsettledReaction(db, ctx.target.conversation.agent.id, {
    messageId: ctx.target.id,
    partIndex: ctx.partIndex,
    operation: request.operation,
    kind: request.kind,
    at: ctx.input.observed?.at,
  });
  if (send?.payload.type !== "reaction") return ctx.input;
  return { ...ctx.input, actor: send.payload.actor, settles: { id: send.id, answer: send.payload.answer } };
}

function observedTime(ctx: Ctx): ObservedTime | null {
  const at = ctx.input.observed?.at;
  return at === undefined ? null : { at, rowid: ctx.input.observed?.rowid ?? null };
}

async function applyTapback(db: Db, ctx: Ctx, lease: Lease<LiveTapbackRow>): Promise<ReactResult> {
  if (ctx.input.settlesEcho && !ctx.input.settles) ctx.input = await withEchoedSend(db, ctx);
  const observedAt = observedTime(ctx);
  // The phone's order: an observed change lands where it happened among those the slot has
  // seen (order.ts). One that is past changes nothing, and is applied (as nothing) so that
  // reading it again changes nothing either.
  let request = ctx.input.request;
  let seenNext: ObservedState | null = null;
  if (observedAt) {
    const placed = placeObserved(await readObserved(db, ctx, TAPBACK_LANE), request, observedAt);
    seenNext = placed.next;
    if (!placed.request) {
      const settles = ctx.input.settles;
      // The echo of an unsettled send the phone has since superseded: it was sent, so it is
      // settled as sent (a retry with its key must not send it again), answered as a no-op
      // with what is live now.
      const live = settles ? (await slotUnderLease(db, ctx, lease)).live : null;
      await db.$transaction(async (tx) => {
        if (ctx.input.observed && !(await claimGuid(tx, ctx, ctx.input.observed.guid))) return;
        await writeObserved(tx, ctx, TAPBACK_LANE, placed.next);
        if (settles) {
          const reaction = live ? fullReaction(live, ctx.target.conversation.remoteNumber) : null;
          await markSent(tx, settles.id, settledAnswer(settles.answer, { ...NOOP, reaction }));
        }
      });
      return NOOP;
    }
    request = placed.request;
  }
  // Under the lease no one else changes this slot, so what is read here stays true until the
  // transaction below records the change.
  const { sequence: slotSequence, live, controls } = await slotUnderLease(db, ctx, lease);
  const decision: Decision = decide(
    live ? { id: live.id, kind: live.kind as TapbackKind, customEmoji: live.customEmoji } : null,
    request,
  );
  const remote = ctx.target.conversation.remoteNumber;
  if (decision.action === "noop") {
    // An observed change that changes nothing is still applied: reading it again later (when
    // the slot may hold something else) must not turn it into a change. It is still the
    // slot's newest observed change: an older one arriving later must not undo it.
    const observed = ctx.input.observed;
    const result: ReactResult = { outcome: "noop", reaction: live ? fullReaction(live, remote) : null, previous: null };
    const settles = ctx.input.settles;
    if (observed || settles) {
      await db.$transaction(async (tx) => {
        if (observed && !(await claimGuid(tx, ctx, observed.guid))) return;
        if (seenNext) await writeObserved(tx, ctx, TAPBACK_LANE, seenNext);
        if (settles) await markSent(tx, settles.id, settledAnswer(settles.answer, result));
      });
    }
    return result;
  }

  let deliveredGuid: string | undefined;
  const t = decision.action === "remove" ? decision.previous : decision.next;
  const change = {
    operation: decision.action === "remove" ? "remove" : "add",
    kind: t.kind,
    customEmoji: t.customEmoji,
  } as const;
  // Before the upstream is asked: an echo made earlier is not this send's (findUnsettledReaction).
  const startedAt = Date.now();
  if (ctx.upstream) {
    const receipt = await ctx.upstream
      .deliverReaction({
        workspaceId: ctx.input.scope.workspaceId,
        agentId: ctx.target.conversation.agent.id,
        conversationId: ctx.target.conversationId,
        messageId: ctx.target.id,
        partIndex: ctx.partIndex,
        from: ctx.sender,
        to: remote,
        operation: decision.action === "remove" ? "remove" : "add",
        kind: t.kind,
        customEmoji: t.customEmoji,
        targetGuid: ctx.target.bridgeGuid,
        chatGuid: ctx.target.conversation.chatGuid,
        ...(controls ? { sandboxControls: controls } : {}),
      })
      .catch((error) => {
        // Recorded while the lease is held, so the echo of this send finds it.
        if (error instanceof UpstreamError && error.outcome === "unknown") {
          return keepUnsettled(db, ctx, change, startedAt, error.message);
        }
        throw error;
      });
    deliveredGuid = receipt.guid;
    // The Mac's time of this send orders it against changes made on the Mac itself.
    if (receipt.at !== undefined) {
      seenNext = noteObserved(await readObserved(db, ctx, TAPBACK_LANE), change, {
        at: receipt.at,
        rowid: receipt.rowid ?? null,
      });
    }
  }

  const settles = ctx.input.settles;
  const observedGuid = ctx.input.observed?.guid;
  /** The change's row after it, recorded with `runner` in one statement that also ends the lease. */
  const recordTapback = async (runner: Db | Tx): Promise<ReactResult> => {
    const sequence = slotSequence + 1;
    const now = new Date();
    let row: RecordedRow;
    let previous: Tapback | null = null;
    if (decision.action === "add") {
      row = {
        ...newReaction(ctx, randomUUID(), sequence, now),
        kind: decision.next.kind,
        customEmoji: decision.next.customEmoji,
        sticker: null,
      };
    } else if (live && decision.action === "replace") {
      previous = decision.previous;
      row = { ...live, kind: decision.next.kind, customEmoji: decision.next.customEmoji, sequence, updatedAt: now };
    } else if (live) {
      previous = decision.previous;
      row = { ...live, sequence, updatedAt: now };
    } else {
      throw new Error(`decision ${decision.action} without a live reaction`);
    }
    const outcome = outcomeOf(decision) as Exclude<Outcome, "noop">;
    await recordChange(runner, changeOf(ctx, lease.key, lease.token, row, outcome, previous, now));
    lease.ended();
    return { outcome, reaction: fullReaction(row, remote), previous };
  };
  const feedback = isFeedback(ctx);
  // The common change (an agent's send, a human's tapback on the human's own message) is the one
  // statement alone; guids, observed times, a settled send and feedback join it in a transaction.
  const recording =
    observedGuid || deliveredGuid || seenNext || settles || feedback
      ? db.$transaction(async (tx) => {
          const result = await recordTapback(tx);
          if (observedGuid && !(await claimGuid(tx, ctx, observedGuid))) throw new AlreadyApplied();
          // The echo of this send comes back from the bridge under this guid: it is already applied.
          if (deliveredGuid) await claimGuid(tx, ctx, deliveredGuid);
          if (seenNext) await writeObserved(tx, ctx, TAPBACK_LANE, seenNext);
          if (feedback) await recordFeedback(tx, feedbackOf(ctx, result.reaction?.sequence ?? 0));
          if (settles && !(await markSent(tx, settles.id, settledAnswer(settles.answer, result)))) {
            throw new AlreadyApplied();
          }
          return result;
        })
      : recordTapback(db);
  if (!ctx.upstream) return recording;
  try {
    return await recording;
  } catch (error) {
    // Delivered, but the lease was lost or the recording failed: whether the change shows on
    // the phone is the upstream's to say now, not a failure to report.
    const sentence = (error as Error).message.split("\n")[0];
    return keepUnsettled(db, ctx, change, startedAt, `It was sent, but Tapdesk could not record it (${sentence}).`);
  }
}

/** What a retry with the send's Idempotency-Key is answered once the send is settled as sent. */
function settledAnswer(answer: "reaction" | "removed", result: ReactResult): SettledAnswer {
  if (answer === "removed") return { status: 200, body: { removed: result.outcome === "removed" } };
  return { status: result.outcome === "noop" ? 200 : 201, body: result.reaction };
}

/** The operation form's removal answers `{removed}`; every other send the reaction. */
function answerOf(request: ReactionRequest): "reaction" | "removed" {
  return request.operation === "remove" && !request.reactionId ? "removed" : "reaction";
}

/**
 * The upstream may have delivered the change: it is kept unsettled (504) and settled from the
 * upstream — now, when it can tell (the sandbox), else by the bridge's echo or reconciliation.
 */
async function keepUnsettled(
  db: Db,
  ctx: Ctx,
  change: { operation: "add" | "remove"; kind: string; customEmoji: string | null },
  startedAt: number,
  sentence: string,
): Promise<never> {
  const upstream = ctx.upstream as Upstream;
  const id = await recordUnsettled(db, {
    workspaceId: ctx.input.scope.workspaceId,
    agentId: ctx.target.conversation.agent.id,
    conversationId: ctx.target.conversationId,
    payload: {
      type: "reaction",
      messageId: ctx.target.id,
      partIndex: ctx.partIndex,
      sender: ctx.sender,
      actor: ctx.input.actor,
      request: ctx.input.request,
      delivered: change,
      answer: answerOf(ctx.input.request),
      startedAt,
    },
  });
  setTimeout(() => {
    upstream
      .settle({ id, agentId: ctx.target.conversation.agent.id, kind: "reaction" })
      .then(async (outcome) => {
        if (outcome !== "sent") return;
        const row = await findUnsettled(db, id);
        if (row?.state === "unsettled") await settleReactionSend(db, row);
      })
      .catch((error) => console.error("An unsettled tapback could not be settled yet:", (error as Error).message));
  }, 200).unref();
  const error = new AppError("upstream_outcome_unknown", `Not confirmed yet: ${sentence}`);
  error.unsettledSendId = id;
  throw error;
}

/** The upstream delivered an unsettled tapback (and has no echo to show it): record it now, once. */
export async function settleReactionSend(db: Db, send: UnsettledRow): Promise<ReactResult | null> {
  const p = send.payload;
  if (p.type !== "reaction") return null;
  return react(db, {
    scope: { workspaceId: send.workspaceId },
    actor: p.actor,
    side: "agent",
    messageId: p.messageId,
    partIndex: p.partIndex,
    request: p.request,
    settles: { id: send.id, answer: p.answer },
  });
}

/** Where a new reaction sits and who placed it; the caller adds what it is. */
function newReaction(ctx: Ctx, id: string, sequence: number, now: Date) {
  return {
    id,
    conversationId: ctx.target.conversationId,
    assignmentId: ctx.target.conversation.assignment.id,
    messageId: ctx.target.id,
    partIndex: ctx.partIndex,
    direction: ctx.input.side === "agent" ? ("outbound" as const) : ("inbound" as const),
    sequence,
    createdAt: now,
    updatedAt: now,
  };
}

interface LiveTapbackRow {
  slot_sequence: number | null;
  /** The slot's sequence by a locking read, in the lease's statement only (tapbackSlotRead). */
  fresh_sequence?: number | null;
  id: string | null;
  conversation_id: string;
  assignment_id: string;
  direction: "inbound" | "outbound";
  kind: TapbackKind;
  custom_emoji: string | null;
  sequence: number;
  created_at: Date;
  updated_at: Date;
  upstream_mode: SandboxControls["mode"] | null;
  upstream_latency_ms: number | null;
}

interface SlotState {
  sequence: number;
  live: RecordedRow | null;
  /** The workspace's sandbox controls, read with the slot when the upstream is the sandbox. */
  controls: SandboxControls | null;
}

/**
 * The slot's live tapback and its sequence so far, in one statement, with the sandbox's
 * controls when it is the upstream (read here, under the lease, just before delivering:
 * when the sandbox would read them itself). Read under the slot's lease: no one else changes
 * the slot until this change is recorded (and the recording checks the sequence again).
 *
 * In the lease's own statement (`inLease`) it also reads the slot's sequence with FOR SHARE:
 * a locking read sees the newest committed row, the others the statement's snapshot. If the
 * statement waited for the previous holder's recording, the two differ (or the slot was new
 * in the snapshot), and the slot is read again (slotUnderLease).
 */
function tapbackSlotRead(ctx: Ctx, inLease: boolean): Prisma.Sql {
  const sandbox = ctx.upstream?.capabilities.name === SANDBOX;
  const slotWhere = Prisma.sql`s.message_id = ${ctx.target.id}::uuid AND s.part_index = ${ctx.partIndex}::int
               AND s.sender = ${ctx.sender}::text AND s.lane = ${TAPBACK_LANE}::text`;
  return Prisma.sql`
    SELECT (SELECT s.sequence FROM reaction_slot s WHERE ${slotWhere}) AS slot_sequence,
           ${inLease ? Prisma.sql`(SELECT s.sequence FROM reaction_slot s WHERE ${slotWhere} FOR SHARE)` : Prisma.sql`NULL::int`} AS fresh_sequence,
           r.id::text AS id, r.conversation_id::text AS conversation_id, r.assignment_id::text AS assignment_id,
           r.direction::text AS direction, r.kind::text AS kind, r.custom_emoji, r.sequence,
           (r.created_at AT TIME ZONE 'UTC') AS created_at, (r.updated_at AT TIME ZONE 'UTC') AS updated_at,
           w.upstream_mode::text AS upstream_mode, w.upstream_latency_ms
      FROM (SELECT 1) AS one
      LEFT JOIN reaction r
        ON r.message_id = ${ctx.target.id}::uuid AND r.part_index = ${ctx.partIndex}::int
       AND r.sender = ${ctx.sender}::text AND r.kind <> 'sticker'
      LEFT JOIN workspace w ON ${sandbox}::boolean AND w.id = ${ctx.input.scope.workspaceId}::uuid
     LIMIT 1`;
}

function slotStateOf(ctx: Ctx, row: LiveTapbackRow | undefined): SlotState {
  const sequence = row?.slot_sequence ?? 0;
  const controls =
    row?.upstream_mode != null ? { mode: row.upstream_mode, latencyMs: row.upstream_latency_ms ?? 0 } : null;
  if (!row?.id) return { sequence, live: null, controls };
  return {
    sequence,
    live: {
      id: row.id,
      conversationId: row.conversation_id,
      assignmentId: row.assignment_id,
      messageId: ctx.target.id,
      partIndex: ctx.partIndex,
      direction: row.direction,
      kind: row.kind,
      customEmoji: row.custom_emoji,
      sticker: null,
      sequence: row.sequence,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    controls,
  };
}

/**
 * What the slot holds, under its lease: the read made with the lease when it is current (no
 * change of the slot committed after its snapshot), else read again now. A slot without a row
 * in the snapshot is always read again: its first change may have committed meanwhile, and no
 * row shows it.
 */
async function slotUnderLease(db: Db, ctx: Ctx, lease: Lease<LiveTapbackRow>): Promise<SlotState> {
  const peek = lease.read;
  if (peek && peek.slot_sequence !== null && peek.fresh_sequence === peek.slot_sequence) {
    return slotStateOf(ctx, peek);
  }
  const [row] = await db.$queryRaw<LiveTapbackRow[]>`${tapbackSlotRead(ctx, false)}`;
  return slotStateOf(ctx, row);
}

/** A person's reaction on the agent's message is feedback (SPEC §9): its read model and score go in the change's transaction. */
function isFeedback(ctx: Ctx): boolean {
  return ctx.input.side === "human" && ctx.target.direction === "outbound";
}

function feedbackOf(ctx: Ctx, sequence: number) {
  return {
    workspaceId: ctx.input.scope.workspaceId,
    agentId: ctx.target.conversation.agent.id,
    conversationId: ctx.target.conversationId,
    messageId: ctx.target.id,
    partIndex: ctx.partIndex,
    sender: ctx.sender,
    sequence,
  };
}

/** The facts the recording statement (record.ts) writes for this change. */
function changeOf(
  ctx: Ctx,
  slot: SlotKey,
  leaseToken: string | null,
  row: RecordedRow,
  outcome: Exclude<Outcome, "noop">,
  previous: Tapback | null,
  at: Date,
): ChangeToRecord {
  return {
    workspaceId: ctx.input.scope.workspaceId,
    slot,
    leaseToken,
    row,
    outcome,
    previous,
    side: ctx.input.side,
    targetDirection: ctx.target.direction,
    remoteNumber: ctx.target.conversation.remoteNumber,
    actor: ctx.input.actor,
    at,
  };
}

/**
 * Stickers never replace and are never replaced: each has a lane of its own, and only the
 * human places them, so nothing is delivered upstream and one transaction (holding the
 * sticker's slot row) serializes a removal.
 */
async function applySticker(db: Db, ctx: Ctx): Promise<ReactResult> {
  const { request } = ctx.input;
  const remote = ctx.target.conversation.remoteNumber;
  return db.$transaction(async (tx) => {
    const observed = ctx.input.observed?.guid;
    if (observed && !(await claimGuid(tx, ctx, observed))) throw new AlreadyApplied();
    const now = new Date();
    const stickers = await tx.reaction.findMany({
      where: { messageId: ctx.target.id, partIndex: ctx.partIndex, sender: ctx.sender, kind: "sticker" },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    const decision = decideSticker(stickers, request);
    // A no-op keeps its claimed guid (the transaction commits): it is applied, as nothing.
    if (decision.action === "noop") return NOOP;
    let row: RecordedRow;
    let outcome: "added" | "removed";
    let slot: { id: string; sequence: number };
    if (decision.action === "add" && request.operation === "add") {
      const id = randomUUID();
      slot = await lockSlot(tx, ctx, stickerLane(id));
      row = {
        ...newReaction(ctx, id, slot.sequence + 1, now),
        kind: "sticker",
        customEmoji: null,
        sticker: request.sticker as unknown as Prisma.JsonValue,
      };
      outcome = "added";
    } else if (decision.action === "remove") {
      slot = await lockSlot(tx, ctx, stickerLane(decision.id));
      // A concurrent removal of the same sticker committed first: nothing left to take.
      const still = await tx.reaction.findUnique({ where: { id: decision.id } });
      if (!still) return NOOP;
      row = { ...still, sequence: slot.sequence + 1, updatedAt: now };
      outcome = "removed";
    } else {
      return NOOP;
    }
    const key = slotKey(ctx, stickerLane(row.id));
    await recordChange(tx, { ...changeOf(ctx, key, null, row, outcome, null, now), newSlotId: slot.id });
    if (isFeedback(ctx)) await recordFeedback(tx, feedbackOf(ctx, row.sequence));
    return { outcome, reaction: fullReaction(row, remote), previous: null };
  });
}
