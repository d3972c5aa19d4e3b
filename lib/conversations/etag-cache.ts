import type { Database } from "../db/client";
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
const MAX = 10_000;

interface Kept {
  etag: string;
  until: number;
}

type ByConversation = Map<string, Map<string, Kept>>;

interface Etags {
  /** Bumped whenever anything is forgotten: a read that began before must not be kept. */
  generation: number;
  /** Per database: per conversation, per scope (workspace and agent) that asked; once its notices are listened to. */
  byDatabase: WeakMap<object, ByConversation>;
  listening: WeakMap<object, Promise<ByConversation>>;
}

const ETAGS = Symbol.for("tapdesk.thread-etags");

function etags(): Etags {
  const holder = globalThis as { [ETAGS]?: Etags };
  holder[ETAGS] ??= { generation: 0, byDatabase: new WeakMap(), listening: new WeakMap() };
  return holder[ETAGS];
}

/** What a notice makes this cache forget: one conversation's ETags, or (null, `w`, a missed notice) all. */
function forget(byConversation: ByConversation, payload: string | null): void {
  const [kind, , conversationId] = payload?.split(" ") ?? [];
  if ((kind === "c" || kind === "p") && conversationId) {
    etags().generation++;
    byConversation.delete(conversationId);
  } else if (payload === null || kind === "w") {
    etags().generation++;
    byConversation.clear();
  }
}

/** The database's kept ETags, once its notices are listened to (nothing is kept before); null off PGlite. */
function keptOf(database: Database): Promise<ByConversation> | null {
  if (database.kind !== "pglite") return null;
  const e = etags();
  let listening = e.listening.get(database.prisma);
  if (!listening) {
    listening = database.live().then((hub) => {
      const byConversation: ByConversation = new Map();
      hub.keepFresh((payload) => forget(byConversation, payload));
      e.byDatabase.set(database.prisma, byConversation);
      return byConversation;
    });
    e.listening.set(database.prisma, listening);
    listening.catch(() => e.listening.delete(database.prisma));
  }
  return listening;
}

const scopeKey = (scope: Scope) => `${scope.workspaceId}/${scope.agentId ?? ""}`;

/** The ETag kept for this thread and scope, if it is still current; null when it must be read. */
export function keptEtag(database: Database, scope: Scope, conversationId: string): string | null {
  if (database.kind !== "pglite") return null;
  const hit = etags().byDatabase.get(database.prisma)?.get(conversationId)?.get(scopeKey(scope));
  return hit && hit.until > Date.now() ? hit.etag : null;
}

/** Reads the thread's ETag (conversation_not_found when the scope cannot see it) and keeps it where that is safe. */
export async function readEtag(database: Database, scope: Scope, conversationId: string): Promise<string> {
  const byConversation = await keptOf(database);
  const generation = etags().generation;
  const started = Date.now();
  const { etag, presenceExpiresInMs } = await threadEtagRead(database.prisma, scope, conversationId);
  // Kept only if nothing was forgotten while it was read (a change's notice may have come meanwhile).
  if (byConversation && etags().generation === generation) {
    const holds = Math.min(KEPT_ETAG_MS, presenceExpiresInMs ?? KEPT_ETAG_MS);
    let scopes = byConversation.get(conversationId);
    if (!scopes) {
      if (byConversation.size >= MAX) byConversation.delete(byConversation.keys().next().value as string);
      scopes = new Map();
      byConversation.set(conversationId, scopes);
    }
    // The database's clock started counting `holds` no earlier than `started`.
    scopes.set(scopeKey(scope), { etag, until: started + holds });
  }
  return etag;
}
