import type { Database, Db, Tx } from "../db/client";
import type { Operator } from "../generated/prisma/client";
import { CHANNEL } from "../live/hub";
import { NoticeKeptCache } from "../live/kept-cache";

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

const OPERATORS = new NoticeKeptCache<Operator>("tapdesk.operator-cache", {
  applies: (database) => database.kind === "pglite",
  forgets: (payload) => payload === null || payload.startsWith("o "),
  max: 10_000,
});

/** Forgets every operator read lately, in this process. */
export function forgetOperators(): void {
  OPERATORS.forget();
}

/**
 * Announces, in the transaction `tx` that changed it, that an operator's row changed: every
 * instance forgets the operators it keeps. Every write to an operator row goes with it.
 */
export async function announceOperator(tx: Db | Tx, operatorId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${CHANNEL}::text, 'o ' || workspace_id || ' ' || id) FROM operator
                        WHERE id = ${operatorId}::uuid`;
}

/** The operator's row, kept a few seconds where that is safe (see above); null when there is none. */
export async function operatorRow(database: Database, operatorId: string): Promise<Operator | null> {
  const hit = OPERATORS.get(database, operatorId);
  if (hit) return hit;
  const read = await OPERATORS.reading(database);
  const row = await database.prisma.operator.findUnique({ where: { id: operatorId } });
  // Kept only if nothing was forgotten while it was read (a change's notice may have come meanwhile).
  if (row && read) read.keep(operatorId, row, read.started + OPERATOR_CACHE_MS);
  return row;
}
