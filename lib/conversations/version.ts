import type { Db, Tx } from "../db/client";
import { CHANNEL, notice } from "../live/hub";

/**
 * Every change visible in a thread bumps its conversation's version, in the transaction of
 * the change: the version is the ETag of the dashboard's polls, so a poll sees a change
 * exactly when it has committed. The same statement sends the change notice that wakes the
 * polls waiting on this thread and on its workspace's inbox, in every app instance; NOTIFY
 * is delivered on commit, so a change that rolls back wakes nobody. The activity and inbound
 * times only move forward: a message applied late (out of order, or by a catch-up) is older
 * than what the inbox already shows, and must not mark an unseen message read.
 */
export async function touchConversation(tx: Tx, conversationId: string, at: Date, inbound = false) {
  // Timestamps are stored as UTC without a zone (Prisma's DateTime).
  await tx.$executeRawUnsafe(
    `WITH touched AS (
       UPDATE conversation
          SET version = version + 1,
              last_activity_at = GREATEST(last_activity_at, ($2::timestamptz AT TIME ZONE 'UTC')),
              last_inbound_at = CASE WHEN $3::boolean
                THEN GREATEST(last_inbound_at, ($2::timestamptz AT TIME ZONE 'UTC')) ELSE last_inbound_at END
        WHERE id = $1::uuid
    RETURNING workspace_id, id)
     SELECT count(pg_notify('${CHANNEL}', 'c ' || workspace_id || ' ' || id)) FROM touched`,
    conversationId,
    at.toISOString(),
    inbound,
  );
}

/** Announces a change every thread of the workspace shows (the upstream mode). */
export async function touchWorkspace(db: Db | Tx, workspaceId: string) {
  await db.$executeRawUnsafe(`SELECT pg_notify('${CHANNEL}', $1)`, notice.workspace(workspaceId));
}

/** Announces that an operator's unread marks changed (the inbox, not the threads). */
export async function touchInboxReads(db: Db | Tx, workspaceId: string) {
  await db.$executeRawUnsafe(`SELECT pg_notify('${CHANNEL}', $1)`, notice.read(workspaceId));
}
