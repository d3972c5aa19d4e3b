import type { Database, Db, Tx } from "../db/client";
import type { Operator } from "../generated/prisma/client";
import { CHANNEL } from "../live/hub";

/**
 * Operator rows read lately, for the dashboard's thread poll (lib/auth/session.ts,
 * requestOperator): a poll answered 304 then reads nothing from the database
 * (docs/performance.md). The session's own checks (epoch, removal) still run on every request,
 * against the kept row.
 *
 * Only on the embedded database (PGlite). There every write runs in this process, and the
 * NOTIFY that every change of an operator row sends in its transaction (announceOperator) is
 * delivered to this process's hub before the write's own promise resolves
 * (tests/poll-caches.test.ts proves it): a sign-out, a removal or a password change is seen by
 * the very next request. On PostgreSQL a change made by another instance would arrive here
 * only with its notice over the LISTEN connection, some time later, so there the row is read
 * on every request, as before. The few seconds bound what no notice announces (a change made
 * behind the app's back); the writer also forgets at once, whatever the database.
 */
export const OPERATOR_CACHE_MS = 5_000;
const MAX = 10_000;

interface Kept {
  row: Operator;
  until: number;
}

interface Operators {
  /** Bumped whenever anything is forgotten: a read that began before must not be kept. */
  generation: number;
  byDatabase: WeakMap<object, Map<string, Kept>>;
  watched: WeakSet<object>;
}

const OPERATORS = Symbol.for("tapdesk.operator-cache");

function operators(): Operators {
  const holder = globalThis as { [OPERATORS]?: Operators };
  holder[OPERATORS] ??= { generation: 0, byDatabase: new WeakMap(), watched: new WeakSet() };
  return holder[OPERATORS];
}

/** Forgets every operator read lately, in this process. */
export function forgetOperators(): void {
  const o = operators();
  o.generation++;
  o.byDatabase = new WeakMap();
}

/**
 * Announces, in the transaction `tx` that changed it, that an operator's row changed: every
 * instance forgets the operators it keeps. Every write to an operator row goes with it.
 */
export async function announceOperator(tx: Db | Tx, operatorId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}::text, 'o ' || workspace_id || ' ' || id) FROM operator
                        WHERE id = ${operatorId}::uuid`;
}

/** The kept rows of `database` when they can be trusted (PGlite, its notices listened to); else null. */
async function keptOf(database: Database): Promise<Map<string, Kept> | null> {
  if (database.kind !== "pglite") return null;
  const o = operators();
  if (!o.watched.has(database.prisma)) {
    const hub = await database.live();
    hub.keepFresh((payload) => {
      if (payload === null || payload.startsWith("o ")) forgetOperators();
    });
    o.watched.add(database.prisma);
  }
  let kept = o.byDatabase.get(database.prisma);
  if (!kept) {
    kept = new Map();
    o.byDatabase.set(database.prisma, kept);
  }
  return kept;
}

/** The operator's row, kept a few seconds where that is safe (see above); null when there is none. */
export async function operatorRow(database: Database, operatorId: string): Promise<Operator | null> {
  const kept = await keptOf(database);
  const hit = kept?.get(operatorId);
  if (hit && hit.until > Date.now()) return hit.row;
  const generation = operators().generation;
  const started = Date.now();
  const row = await database.prisma.operator.findUnique({ where: { id: operatorId } });
  // Kept only if nothing was forgotten while it was read (a change's notice may have come meanwhile).
  if (row && kept && operators().generation === generation) {
    if (kept.size >= MAX) kept.delete(kept.keys().next().value as string);
    kept.set(operatorId, { row, until: started + OPERATOR_CACHE_MS });
  }
  return row;
}
