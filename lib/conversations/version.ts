import type { Tx } from "../db/client";

/**
 * Every change visible in a thread bumps its conversation's version, in the transaction of
 * the change: the version is the ETag of the dashboard's polls, so a poll sees a change
 * exactly when it has committed.
 */
export async function touchConversation(tx: Tx, conversationId: string, at: Date, inbound = false) {
  await tx.conversation.update({
    where: { id: conversationId },
    data: { version: { increment: 1 }, lastActivityAt: at, ...(inbound ? { lastInboundAt: at } : {}) },
  });
}
