import type { Database } from "../db/client";
import { NoticeKeptCache } from "../live/kept-cache";
import type { Scope } from "../scope";
import { threadEtagRead } from "./view";

/**
 * Thread ETags known current, so the open thread's poll answers 304 without reading the
 * database (docs/performance.md, docs/decisions.md). The ETag moves only with what announces
 * itself: the conversation's version (its change notice `c`, in the transaction of every
 * change: lib/conversations/version.ts and the statements that bump it), the workspace's
 * upstream mode (`w`), presence (`p`) — and one thing nobody announces, a present operator's
 * expiry, which bounds how long a kept ETag is believed (read with it, in the same statement).
 *
 * Only on the embedded database (PGlite): every write runs in this process, and its notice is
 * delivered to this process's hub before the writing statement's promise resolves
 * (tests/poll-caches.test.ts proves it), so a poll that follows a change never finds the old
 * ETag kept. On PostgreSQL a change by another instance — or even this instance's own, whose
 * notice comes back later over the LISTEN connection — could be followed by a poll before its
 * notice arrives and answer a stale 304: there the ETag is read on every poll, as before.
 */

/** An upper bound all the same, for a change nothing announced (made behind the app's back). */
export const KEPT_ETAG_MS = 5_000;

/** Per conversation, per scope (workspace and agent) that asked; once the database's notices are listened to. */
const ETAGS = new NoticeKeptCache<string>("tapdesk.thread-etags", {
  applies: (database) => database.kind === "pglite",
  // One conversation's ETags (`c`, `p`), or all (`w`, and null: a missed notice).
  forgets: (payload) => {
    const [kind, , conversationId] = payload?.split(" ") ?? [];
    if ((kind === "c" || kind === "p") && conversationId) return conversationId;
    return payload === null || kind === "w";
  },
  max: 10_000,
});

const scopeKey = (scope: Scope) => `${scope.workspaceId}/${scope.agentId ?? ""}`;

/** The ETag kept for this thread and scope, if it is still current; null when it must be read. */
export function keptEtag(database: Database, scope: Scope, conversationId: string): string | null {
  return ETAGS.get(database, conversationId, scopeKey(scope)) ?? null;
}

/** Reads the thread's ETag (conversation_not_found when the scope cannot see it) and keeps it where that is safe. */
export async function readEtag(database: Database, scope: Scope, conversationId: string): Promise<string> {
  const read = await ETAGS.reading(database);
  const { etag, presenceExpiresInMs } = await threadEtagRead(database.prisma, scope, conversationId);
  // Kept only if nothing was forgotten while it was read (a change's notice may have come meanwhile).
  // The database's clock started counting the presence's expiry no earlier than the read began.
  const holds = Math.min(KEPT_ETAG_MS, presenceExpiresInMs ?? KEPT_ETAG_MS);
  if (read) read.keep(conversationId, etag, read.started + holds, scopeKey(scope));
  return etag;
}
