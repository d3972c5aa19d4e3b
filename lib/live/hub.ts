import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";

/**
 * Change notices for the dashboard's long-polls. Every change is announced with NOTIFY in
 * the transaction that makes it, so PostgreSQL delivers the notice only once the change has
 * committed (a rolled-back change wakes nobody) and to every app instance sharing the
 * database. Each instance listens on one dedicated connection and fans the notices out in
 * process to its waiting polls, which hold no database connection while they wait.
 */
export const CHANNEL = "tapdesk_live";

/** Payloads: what changed, and in which workspace. */
export const notice = {
  /** A conversation's thread changed (and so may the inbox). */
  conversation: (workspaceId: string, conversationId: string) => `c ${workspaceId} ${conversationId}`,
  /** Something every thread of the workspace shows changed (the upstream mode, an agent's settings). */
  workspace: (workspaceId: string) => `w ${workspaceId}`,
  /** An operator read a conversation: only the inbox's unread marks change. */
  read: (workspaceId: string) => `r ${workspaceId}`,
  /** Who has a thread open (or is writing in it) changed: that thread only, not the inbox. */
  presence: (workspaceId: string, conversationId: string) => `p ${workspaceId} ${conversationId}`,
  /** An API key stopped working (revoked): every instance forgets the keys it verified lately (lib/auth/api-keys.ts). */
  apiKeys: (workspaceId: string) => `k ${workspaceId}`,
  /**
   * An operator's row changed (signed out, removed, password, role…): every instance forgets the
   * operators it read lately (lib/auth/operator-cache.ts). Sent in SQL by announceOperator.
   */
  operator: (workspaceId: string, operatorId: string) => `o ${workspaceId} ${operatorId}`,
};

/** What a poll waits on. */
export const topic = {
  thread: (conversationId: string) => `c:${conversationId}`,
  workspaceThreads: (workspaceId: string) => `w:${workspaceId}`,
  inbox: (workspaceId: string) => `i:${workspaceId}`,
};

function topicsOf(payload: string): string[] {
  const [kind, workspaceId, conversationId] = payload.split(" ");
  if (!workspaceId) return [];
  if (kind === "c" && conversationId) return [topic.thread(conversationId), topic.inbox(workspaceId)];
  if (kind === "w") return [topic.workspaceThreads(workspaceId), topic.inbox(workspaceId)];
  if (kind === "r") return [topic.inbox(workspaceId)];
  if (kind === "p" && conversationId) return [topic.thread(conversationId)];
  return [];
}

/** Every hub of this process, so a draining server can end their waits (see endAllWaits). */
const HUBS = Symbol.for("tapdesk.live-hubs");
type Holder = { [HUBS]?: Set<LiveHub> };
function hubs(): Set<LiveHub> {
  const holder = globalThis as Holder;
  holder[HUBS] ??= new Set();
  return holder[HUBS];
}

/**
 * The server is shutting down: every waiting poll answers now (304) and new ones do not wait,
 * so a drain is not held up to a whole wait and the pages ask again elsewhere. Called by
 * scripts/start.mjs through globalThis, before it stops accepting.
 */
export function endAllWaits(): void {
  for (const hub of hubs()) hub.close();
}
(globalThis as { [key: symbol]: unknown })[Symbol.for("tapdesk.end-waits")] = endAllWaits;

export class LiveHub {
  /** Set once the server drains: polls answer at once instead of waiting. */
  closing = false;
  private readonly listeners = new Map<string, Set<() => void>>();
  /** Everyone waiting, for a wake-all when notices may have been missed (a lost connection). */
  private readonly all = new Set<() => void>();
  /**
   * Caches kept true by notices (not waiting polls): told every notice, and told to forget
   * everything whenever notices may have been missed (wakeAll).
   */
  private readonly caches = new Set<(payload: string | null) => void>();

  /** Registers a cache (see `caches`); returns how to unregister it. */
  keepFresh(cache: (payload: string | null) => void): () => void {
    this.caches.add(cache);
    return () => this.caches.delete(cache);
  }

  /** Calls `wake` on every notice for one of `topics` until the returned function is called. */
  subscribe(topics: string[], wake: () => void): () => void {
    this.all.add(wake);
    for (const t of topics) {
      const set = this.listeners.get(t) ?? new Set();
      set.add(wake);
      this.listeners.set(t, set);
    }
    return () => {
      this.all.delete(wake);
      for (const t of topics) {
        const set = this.listeners.get(t);
        set?.delete(wake);
        if (set?.size === 0) this.listeners.delete(t);
      }
    };
  }

  /** Polls waiting now (bench and tests). */
  get waiting(): number {
    return this.all.size;
  }

  dispatch(payload: string): void {
    for (const cache of this.caches) cache(payload);
    const woken = new Set<() => void>();
    for (const t of topicsOf(payload)) for (const wake of this.listeners.get(t) ?? []) woken.add(wake);
    for (const wake of woken) wake();
  }

  wakeAll(): void {
    for (const cache of this.caches) cache(null);
    for (const wake of [...this.all]) wake();
  }

  close(): void {
    this.closing = true;
    this.wakeAll();
  }
}

/** A hub fed by a database's notices, and how to stop listening. */
export interface LiveSource {
  hub: LiveHub;
  close(): Promise<void>;
  /** PostgreSQL: the LISTEN connection now, if any (tests break it on purpose). */
  connection?(): pg.Client | null;
}

/** PGlite runs in this process: its own LISTEN delivers committed notices. */
export async function listenPGlite(lite: PGlite): Promise<LiveSource> {
  const hub = new LiveHub();
  hubs().add(hub);
  const unlisten = await lite.listen(CHANNEL, (payload) => hub.dispatch(payload));
  return {
    hub,
    close: async () => {
      hubs().delete(hub);
      hub.close();
      await unlisten();
    },
  };
}

const RECONNECT_MAX_MS = 5_000;

/** Cuts a client's socket: its 'end' follows, as when the server drops it. */
function destroy(c: pg.Client): void {
  (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}
/** How often the LISTEN connection notifies itself to prove it still delivers. */
export const HEARTBEAT_MS = 10_000;
/** A heartbeat's own notice starts with this; no poll waits on it. */
const HEARTBEAT = "h";

/**
 * PostgreSQL: one dedicated client (not a pool connection: a pooled one would be handed to
 * queries, and LISTEN lives only as long as its session). When it drops, it reconnects with
 * backoff and then wakes every waiting poll, since notices sent meanwhile were lost.
 *
 * A connection can also die without ending: half-open, after a network drop without a reset,
 * it never errors and never delivers again, and every long-poll would silently wait its whole
 * 25 s until a restart. So the socket has TCP keep-alive, and every `heartbeatMs` the
 * connection notifies itself: when that notice has not come back by the next beat, the
 * connection is destroyed and replaced like a dropped one.
 */
export async function listenPostgres(
  connectionString: string,
  options: { heartbeatMs?: number } = {},
): Promise<LiveSource> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const hub = new LiveHub();
  hubs().add(hub);
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 100;
  /** The heartbeat sent and not yet heard back on the current connection. */
  let awaiting: string | null = null;
  let beat = 0;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString,
      application_name: "tapdesk-live",
      keepAlive: true,
      keepAliveInitialDelayMillis: heartbeatMs,
    });
    c.on("notification", (n) => {
      if (n.channel !== CHANNEL || !n.payload) return;
      if (n.payload.startsWith(`${HEARTBEAT} `)) {
        if (n.payload === awaiting) awaiting = null;
        return;
      }
      hub.dispatch(n.payload);
    });
    c.on("error", (error) => {
      console.error("Live updates: the LISTEN connection failed:", error.message);
    });
    c.on("end", () => {
      // Only an established connection reconnects here; a failed attempt is retried by its caller.
      if (client !== c) return;
      client = null;
      if (!closed) setTimeout(reconnect, retryMs);
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    awaiting = null;
    client = c;
  };
  // Silence where the last heartbeat should have come back: the connection is replaced (its
  // 'end' reconnects and wakes every waiting poll).
  const heartbeat = setInterval(() => {
    const c = client;
    if (!c || closed) return;
    if (awaiting !== null) {
      console.error("Live updates: the LISTEN connection went silent; reconnecting.");
      awaiting = null;
      destroy(c);
      return;
    }
    awaiting = `${HEARTBEAT} ${process.pid}-${++beat}`;
    c.query("SELECT pg_notify($1, $2)", [CHANNEL, awaiting]).catch(() => {
      // A failed notify shows as silence at the next beat.
    });
  }, heartbeatMs);
  heartbeat.unref();
  const reconnect = () => {
    if (closed) return;
    connect()
      .then(() => {
        retryMs = 100;
        hub.wakeAll();
      })
      .catch(() => {
        retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
        setTimeout(reconnect, retryMs);
      });
  };

  await connect();
  return {
    hub,
    close: async () => {
      closed = true;
      clearInterval(heartbeat);
      hubs().delete(hub);
      hub.close();
      // A half-open connection never answers the goodbye: it is cut after a moment.
      const c = client;
      if (c) {
        const ended = c.end().catch(() => {});
        const timer = setTimeout(() => destroy(c), 1_000);
        await ended;
        clearTimeout(timer);
      }
    },
    connection: () => client,
  };
}
