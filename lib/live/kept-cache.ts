import type { Database } from "../db/client";

/**
 * Answers read from a database, kept in memory while its change notices (./hub.ts, keepFresh)
 * say nothing they depend on changed: the verified API keys (lib/auth/api-keys.ts), the thread
 * poll's ETags (lib/conversations/etag-cache.ts) and the operator rows (lib/auth/operator-cache.ts).
 * Each says which databases it applies to, which notices make it forget one key or everything
 * (`null`, notices that may have been missed, should forget everything), and until when each
 * answer is believed at most. An answer is kept only if nothing was forgotten while it was read
 * (a notice may have come meanwhile). Entries are per database, per key, per sub-key (what else
 * the answer depends on; "" when nothing), at most `max` keys per database (the oldest go first).
 */
export interface KeptCacheOptions {
  /** The cache applies to this database (else nothing is kept and everything is read); default: every one. */
  applies?(database: Database): boolean;
  /** What a notice makes it forget: a key (in that database), everything (true), or nothing. */
  forgets(payload: string | null): string | boolean;
  max: number;
}

/** A read under way, from `reading`. */
export interface Reading<V> {
  /** When the read began: what it finds holds no earlier than this. */
  started: number;
  /** Keeps what was read until `until` — only if nothing was forgotten since the read began. */
  keep(key: string, value: V, until: number, sub?: string): void;
}

interface State<V> {
  /** Bumped whenever anything is forgotten: a read that began before must not be kept. */
  generation: number;
  /** Per database (its prisma object): per key, per sub-key. Only once its notices are listened to. */
  byDatabase: WeakMap<object, Map<string, Map<string, { value: V; until: number }>>>;
  listening: WeakMap<object, Promise<void>>;
}

export class NoticeKeptCache<V> {
  private readonly state: State<V>;

  /** Its state is kept on globalThis under Symbol.for(name): one per process, whatever bundle loads this. */
  constructor(
    name: string,
    private readonly options: KeptCacheOptions,
  ) {
    const holder = globalThis as { [key: symbol]: State<V> | undefined };
    this.state = holder[Symbol.for(name)] ??= { generation: 0, byDatabase: new WeakMap(), listening: new WeakMap() };
  }

  /** What is kept for this key and sub-key, if it is still believed; else undefined. */
  get(database: Database | null, key: string, sub = ""): V | undefined {
    if (!this.applies(database)) return undefined;
    const hit = this.state.byDatabase.get(database.prisma)?.get(key)?.get(sub);
    return hit && hit.until > Date.now() ? hit.value : undefined;
  }

  /** Starts a read whose answer may be kept (once the database's notices are listened to); null if not applicable. */
  async reading(database: Database | null): Promise<Reading<V> | null> {
    if (!this.applies(database)) return null;
    await this.listen(database);
    const s = this.state;
    const generation = s.generation;
    return {
      started: Date.now(),
      keep: (key, value, until, sub = "") => {
        if (s.generation !== generation) return;
        let kept = s.byDatabase.get(database.prisma);
        if (!kept) {
          kept = new Map();
          s.byDatabase.set(database.prisma, kept);
        }
        let subs = kept.get(key);
        if (!subs) {
          if (kept.size >= this.options.max) kept.delete(kept.keys().next().value as string);
          subs = new Map();
          kept.set(key, subs);
        }
        subs.set(sub, { value, until });
      },
    };
  }

  private applies(database: Database | null): database is Database {
    return database !== null && (this.options.applies?.(database) ?? true);
  }

  /** Forgets everything kept, of every database, in this process. */
  forget(): void {
    this.state.generation++;
    this.state.byDatabase = new WeakMap();
  }

  /** Listens to the database's notices, once. */
  private listen(database: Database): Promise<void> {
    const s = this.state;
    const prisma = database.prisma;
    let listening = s.listening.get(prisma);
    if (!listening) {
      listening = database.live().then((hub) => {
        hub.keepFresh((payload) => {
          const forgets = this.options.forgets(payload);
          if (forgets === true) this.forget();
          else if (forgets) {
            s.generation++;
            s.byDatabase.get(prisma)?.delete(forgets);
          }
        });
      });
      s.listening.set(prisma, listening);
      listening.catch(() => s.listening.delete(prisma));
    }
    return listening;
  }
}
