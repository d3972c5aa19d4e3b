import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client";
import { AppError, isAppError } from "../../errors";
import type { BlueBubblesBridge } from "../../generated/prisma/client";
import type { PartInput } from "../../messages/schemas";
import { insertMessage, settleMessageSend } from "../../messages/service";
import type { Scope } from "../../scope";
import { type UnsettledRow, unsettledOfAgent } from "../../sends/unsettled";
import type { ReactionRequest } from "../../tapbacks/rules";
import { react } from "../../tapbacks/service";
import { claimBridgeGuid } from "../../upstream/guids";
import { trackSend } from "../../upstream/in-flight";
import { bridgeClient, bridgeForInbound, publicUrl, touchBridge } from "./bridge";
import { BlueBubblesError } from "./client";
import { type Interpreted, interpret, parseWebhook } from "./inbound";

/**
 * Applies what a bridge reports — a message as its server serializes it, re-read from the
 * bridge, never a webhook body taken on trust — through the same services as everything
 * else, so badges, sequences, the audit trail, events and webhooks behave exactly as with the
 * sandbox. Every guid is applied once: the same message arrives as `new-message`, again as
 * `updated-message`, and again through reconciliation.
 */

export interface BridgeRef {
  id: string;
  workspaceId: string;
  agentId: string;
}

export type Applied = "applied" | "duplicate" | "ignored";

/**
 * The agent's own messages come back from the bridge too: the echo of what Tapdesk sent (its
 * guid is recorded when the send is), or a message typed on the Mac itself. An echo can
 * arrive before the send that caused it has been recorded, so only reconciliation records the
 * agent's messages, and only once they are this old.
 */
export const OWN_MESSAGE_SETTLE_MS = 30_000;

/** Tapdesk serves the bridge's attachments (stickers' images) itself: the URL carries no password. */
export function attachmentUrl(agentId: string, guid: string): string {
  return `${publicUrl()}/api/v1/agents/${agentId}/bridge/attachments/${encodeURIComponent(guid)}`;
}

export async function applyBridgeMessage(
  db: Db,
  bridge: BridgeRef,
  message: unknown,
  options: { recordOwnMessages?: boolean; now?: number; tempGuid?: string } = {},
): Promise<Applied> {
  const item = interpret(message);
  if (item.kind === "ignore") return "ignored";
  await recordBridgeAttachments(db, bridge, item);
  const known = await db.bridgeGuid.findUnique({
    where: { agentId_guid: { agentId: bridge.agentId, guid: item.guid } },
    select: { guid: true },
  });
  if (known) return "duplicate";
  if (item.kind === "message") {
    if (item.isFromMe) {
      // The agent's own message may be a send whose outcome was unknown: it settles it.
      const send = await unsettledMessageFor(db, bridge, item, options.tempGuid);
      if (send) {
        return (await settleMessageSend(db, send, { status: "delivered", guid: item.guid })) ? "applied" : "duplicate";
      }
      const settled = (options.now ?? Date.now()) - item.at.getTime() >= OWN_MESSAGE_SETTLE_MS;
      if (!options.recordOwnMessages || !settled) return "ignored";
    }
    return recordMessage(db, bridge, item);
  }
  return applyReaction(db, bridge, item);
}

/**
 * The attachments a message read from the bridge names: the only ones Tapdesk serves from it
 * (attachments.ts). Written here alone, never from a URL a caller supplied.
 */
async function recordBridgeAttachments(db: Db, bridge: BridgeRef, item: Interpreted): Promise<void> {
  const guids =
    item.kind === "message"
      ? item.parts.flatMap((p) => ("attachment" in p ? [p.attachment.guid] : []))
      : item.kind === "reaction" && item.sticker
        ? [item.sticker.attachmentGuid]
        : [];
  if (guids.length === 0) return;
  await db.bridgeAttachment.createMany({
    data: guids.map((guid) => ({ agentId: bridge.agentId, guid, workspaceId: bridge.workspaceId })),
    skipDuplicates: true,
  });
}

/**
 * The unsettled send this message of the agent's is: by the tempGuid its echo carries, else
 * (reconciliation reads no tempGuid) by its chat and text, sent no earlier than the send began.
 * The tempGuid comes from an unsigned webhook, so the message it names must match too.
 */
async function unsettledMessageFor(
  db: Db,
  bridge: BridgeRef,
  item: Extract<Interpreted, { kind: "message" }>,
  tempGuid?: string,
): Promise<UnsettledRow | null> {
  const sends = await unsettledOfAgent(db, bridge.agentId, "message");
  if (sends.length === 0) return null;
  const texts = item.parts.map((p) => ("text" in p ? p.text : null));
  const conversations = await db.conversation.findMany({
    where: { id: { in: sends.map((s) => s.conversationId) } },
    select: { id: true, remoteNumber: true },
  });
  const remoteOf = new Map(conversations.map((c) => [c.id, c.remoteNumber]));
  const matches = (send: UnsettledRow) =>
    send.payload.type === "message" &&
    remoteOf.get(send.conversationId) === item.remote &&
    JSON.stringify(send.payload.parts.map((p) => ("text" in p ? p.text.trim() : null))) === JSON.stringify(texts);
  if (tempGuid) return sends.find((s) => s.tempGuid === tempGuid && matches(s)) ?? null;
  // A little slack for the Mac's clock against this server's.
  return sends.find((s) => matches(s) && item.at.getTime() >= s.createdAt.getTime() - 120_000) ?? null;
}

async function recordMessage(
  db: Db,
  bridge: BridgeRef,
  item: Extract<Interpreted, { kind: "message" }>,
): Promise<Applied> {
  const parts: PartInput[] = item.parts.map((p) =>
    "text" in p
      ? { text: p.text }
      : {
          attachment: {
            url: attachmentUrl(bridge.agentId, p.attachment.guid),
            mime_type: p.attachment.mime_type,
            file_name: p.attachment.file_name,
          },
        },
  );
  return db.$transaction(async (tx) => {
    const claim = { agentId: bridge.agentId, guid: item.guid, workspaceId: bridge.workspaceId };
    if (!(await claimBridgeGuid(tx, claim))) return "duplicate";
    // The human's first message opens the conversation; two instances applying it at once
    // (a webhook and reconciliation) must not open two.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`bridge-conversation:${bridge.agentId}:${item.remote}`}))`;
    let conversation = await tx.conversation.findFirst({
      where: { workspaceId: bridge.workspaceId, agentId: bridge.agentId, remoteNumber: item.remote },
      orderBy: { createdAt: "asc" },
      select: { id: true, workspaceId: true, chatGuid: true },
    });
    if (!conversation) {
      const assignment = await tx.assignment.create({
        data: {
          id: randomUUID(),
          workspaceId: bridge.workspaceId,
          agentId: bridge.agentId,
          remoteNumber: item.remote,
        },
      });
      conversation = await tx.conversation.create({
        data: {
          id: randomUUID(),
          workspaceId: bridge.workspaceId,
          assignmentId: assignment.id,
          agentId: bridge.agentId,
          remoteNumber: item.remote,
          chatGuid: item.chatGuid,
        },
        select: { id: true, workspaceId: true, chatGuid: true },
      });
    } else if (!conversation.chatGuid && !item.isFromMe) {
      // The chat guid the human's messages arrive in is the one to answer in.
      await tx.conversation.update({ where: { id: conversation.id }, data: { chatGuid: item.chatGuid } });
    }
    const agent = await tx.agent.findUniqueOrThrow({ where: { id: bridge.agentId }, select: { handle: true } });
    await insertMessage(
      tx,
      conversation,
      item.isFromMe
        ? { direction: "outbound", sender: agent.handle, status: "delivered", bridgeGuid: item.guid }
        : { direction: "inbound", sender: item.remote, status: "received", bridgeGuid: item.guid },
      parts,
      item.at,
    );
    return "applied" as const;
  });
}

async function applyReaction(
  db: Db,
  bridge: BridgeRef,
  item: Extract<Interpreted, { kind: "reaction" }>,
): Promise<Applied> {
  const target = await db.message.findFirst({
    where: { workspaceId: bridge.workspaceId, bridgeGuid: item.targetGuid, conversation: { agentId: bridge.agentId } },
    select: { id: true },
  });
  // A tapback on a message Tapdesk never saw (older than the bridge) has nothing to attach to.
  if (!target) return "ignored";
  const scope: Scope = { workspaceId: bridge.workspaceId };
  const sticker = item.sticker
    ? {
        file_name: item.sticker.file_name,
        mime_type: item.sticker.mime_type,
        url: attachmentUrl(bridge.agentId, item.sticker.attachmentGuid),
        // iMessage sometimes reports no size; the badge needs one to draw the image.
        width: item.sticker.width || 120,
        height: item.sticker.height || 120,
      }
    : null;
  const request: ReactionRequest =
    item.operation === "add"
      ? { operation: "add", kind: item.reaction, customEmoji: item.customEmoji ?? null, sticker }
      : { operation: "remove", kind: item.reaction, customEmoji: item.customEmoji ?? null };
  try {
    const result = await react(db, {
      scope,
      // A tapback made on the Mac itself is the agent's, placed by the bridge.
      actor: item.isFromMe ? { type: "bridge", id: bridge.agentId } : { type: "human", id: item.remote },
      side: item.isFromMe ? "agent" : "human",
      messageId: target.id,
      partIndex: item.partIndex,
      request,
      observed: { agentId: bridge.agentId, guid: item.guid, at: item.at.getTime(), rowid: item.rowid },
      // The echo of an agent's tapback whose outcome was unknown settles it, as its sender's
      // (looked up under the slot's lease: the send may still be being answered).
      settlesEcho: item.isFromMe,
    });
    return result.outcome === "noop" ? "duplicate" : "applied";
  } catch (error) {
    // What the bridge reports happened on a phone; when it names a part Tapdesk does not
    // have, or an emoji that is not one, there is nothing sensible to record. Anything else
    // (a lease wait, a database error) is transient: it is not claimed, so it is read again.
    if (isAppError(error) && PERMANENT.has(error.code)) return "ignored";
    throw error;
  }
}

/** Problems of what the bridge reported itself: applying it again would fail the same way. */
const PERMANENT = new Set(["invalid_part_index", "invalid_reaction", "validation_failed", "message_not_found"]);

/**
 * How long the bridge's webhook request waits for its message to be applied. Applying a
 * tapback waits for the slot's lease, and the lease may be held by a send still waiting on this
 * very bridge (its echo can arrive before its answer); past this, the webhook is answered 202
 * and the change is applied when the send is done.
 */
export const WEBHOOK_WAIT_MS = 2_000;

/**
 * A webhook from the bridge: only a hint of which message to read. The message is re-read from
 * the bridge and applied from what the bridge says, so a forged body can at most make Tapdesk
 * read back a message that really exists. Null when the URL names no bridge.
 */
export async function receiveWebhook(
  db: Db,
  agentId: string,
  secret: string,
  readBody: () => Promise<unknown>,
): Promise<{ outcome: Applied | "not_a_message" | "accepted" } | null> {
  const row = await bridgeForInbound(db, agentId, secret);
  if (!row) return null;
  const hint = parseWebhook(await readBody());
  if (!hint.ok) {
    throw new AppError("validation_failed", hint.sentence, [{ field: hint.field ?? "(body)", message: hint.sentence }]);
  }
  if (hint.type === "other") return { outcome: "not_a_message" };
  // Tracked: past the wait it goes on after the answer, and shutdown must let it finish.
  const work = trackSend(applyHint(db, row, hint.guid, hint.tempGuid));
  const waited = await Promise.race([
    work,
    new Promise<"accepted">((resolve) => setTimeout(resolve, WEBHOOK_WAIT_MS, "accepted").unref()),
  ]);
  if (waited === "accepted") {
    work.catch((error) => console.error("A bridge webhook could not be applied:", (error as Error).message));
  }
  return { outcome: waited };
}

async function applyHint(db: Db, row: BlueBubblesBridge, guid: string, tempGuid?: string): Promise<Applied> {
  const known = await db.bridgeGuid.findUnique({
    where: { agentId_guid: { agentId: row.agentId, guid } },
    select: { guid: true },
  });
  if (known) return "duplicate";
  const bridge = await bridgeClient(row);
  let message: unknown;
  try {
    message = await bridge.client.getMessage(guid);
  } catch (error) {
    // Reconciliation reads it later; the bridge does not retry webhooks anyway.
    if (error instanceof BlueBubblesError) throw new AppError("upstream_delivery_failed", error.sentence);
    throw error;
  }
  await touchBridge(db, row.id);
  if (!message) return "ignored";
  return applyBridgeMessage(db, row, message, { tempGuid });
}
