import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/client";
import { CHANNEL, notice } from "../live/hub";
import type { Scope } from "../scope";

/**
 * Presence (SPEC §11): who has a thread open and who is writing a reply. Each open thread page
 * sends a heartbeat every HEARTBEAT_MS (and at once when its operator starts or stops writing,
 * and a last one when the page goes away); a heartbeat keeps the operator's row alive for
 * PRESENCE_TTL_MS. The rows are part of the thread's ETag, so the thread's long-poll answers
 * when they change; a change announces itself with NOTIFY like every other change of a thread,
 * so it reaches the polls of every app instance. Nobody announces an expiry, so each heartbeat
 * also sweeps the thread's expired rows and announces those: an operator who closed the tab
 * without a last heartbeat disappears from the others' pages within TTL + one heartbeat.
 */
export const HEARTBEAT_MS = 5_000;
export const PRESENCE_TTL_MS = 15_000;

export interface PresenceEntry {
  operatorId: string;
  email: string;
  name: string;
  /** Writing a reply now. */
  typing: boolean;
}

/**
 * The thread's live presence as one string (each operator id, `:t` while writing), for the
 * ETag's single statement; `presenceKey` builds the same string from `presentIn`'s rows.
 * Correlated on `c`, the conversation of the enclosing query.
 */
export const PRESENCE_KEY_SQL = Prisma.sql`SELECT string_agg(p.operator_id::text || CASE WHEN p.typing THEN ':t' ELSE '' END, ',' ORDER BY p.operator_id)
  FROM thread_presence p WHERE p.conversation_id = c.id AND p.expires_at > now()`;

/**
 * Milliseconds until the first of the thread's live presence rows expires (and with it the
 * ETag changes, unannounced), null when none is live. Correlated on `c` like PRESENCE_KEY_SQL.
 */
export const PRESENCE_EXPIRES_IN_MS_SQL = Prisma.sql`SELECT (EXTRACT(EPOCH FROM (min(p.expires_at) - now())) * 1000)::float8
  FROM thread_presence p WHERE p.conversation_id = c.id AND p.expires_at > now()`;

export function presenceKey(entries: PresenceEntry[]): string {
  return entries.map((e) => `${e.operatorId}${e.typing ? ":t" : ""}`).join(",");
}

/** Who has the thread open now, ordered as PRESENCE_KEY_SQL orders them (the database's clock decides). */
export async function presentIn(db: Db, conversationId: string): Promise<PresenceEntry[]> {
  const rows = await db.$queryRaw<{ operator_id: string; email: string; name: string; typing: boolean }[]>`
    SELECT p.operator_id::text AS operator_id, o.email, o.name, p.typing
      FROM thread_presence p JOIN operator o ON o.id = p.operator_id
     WHERE p.conversation_id = ${conversationId}::uuid AND p.expires_at > now()
     ORDER BY p.operator_id`;
  return rows.map((r) => ({ operatorId: r.operator_id, email: r.email, name: r.name, typing: r.typing }));
}

/**
 * One heartbeat: the operator is on the thread (writing or not), or has left it. Answers
 * whether what others see changed (and then it has been announced).
 */
export async function heartbeat(
  db: Db,
  scope: Scope,
  operatorId: string,
  conversationId: string,
  state: { typing: boolean; leaving: boolean },
): Promise<boolean> {
  const agentId = scope.agentId ?? null;
  const visible = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM conversation
     WHERE id = ${conversationId}::uuid AND workspace_id = ${scope.workspaceId}::uuid
       AND (${agentId}::uuid IS NULL OR agent_id = ${agentId}::uuid)`;
  if (visible.length === 0) return false;
  let changed: boolean;
  if (state.leaving) {
    const gone = await db.$queryRaw<{ live: boolean }[]>`
      DELETE FROM thread_presence WHERE conversation_id = ${conversationId}::uuid AND operator_id = ${operatorId}::uuid
      RETURNING expires_at > now() AS live`;
    changed = gone.some((g) => g.live);
  } else {
    const ttl = `${PRESENCE_TTL_MS} milliseconds`;
    const [before] = await db.$queryRaw<{ typing: boolean | null; live: boolean | null }[]>`
      WITH old AS (
        SELECT typing, expires_at > now() AS live FROM thread_presence
         WHERE conversation_id = ${conversationId}::uuid AND operator_id = ${operatorId}::uuid
      ), up AS (
        INSERT INTO thread_presence (conversation_id, operator_id, workspace_id, typing, expires_at)
        VALUES (${conversationId}::uuid, ${operatorId}::uuid, ${scope.workspaceId}::uuid, ${state.typing},
                now() + ${ttl}::interval)
        ON CONFLICT (conversation_id, operator_id)
        DO UPDATE SET typing = EXCLUDED.typing, expires_at = EXCLUDED.expires_at
        RETURNING 1
      )
      SELECT (SELECT typing FROM old) AS typing, (SELECT live FROM old) AS live FROM up`;
    changed = !before?.live || before.typing !== state.typing;
  }
  // Those who left without a word: gone from everyone's page once their time is up.
  const expired = await db.$queryRaw<{ operator_id: string }[]>`
    DELETE FROM thread_presence WHERE conversation_id = ${conversationId}::uuid AND expires_at <= now()
    RETURNING operator_id::text AS operator_id`;
  if (changed || expired.length > 0) {
    await db.$executeRawUnsafe(
      `SELECT pg_notify('${CHANNEL}', $1)`,
      notice.presence(scope.workspaceId, conversationId),
    );
  }
  return changed || expired.length > 0;
}
