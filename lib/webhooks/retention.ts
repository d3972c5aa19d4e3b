import type { Db } from "../db/client";

/**
 * Retention: webhook events, their deliveries and attempts older than
 * TAPDESK_WEBHOOK_RETENTION_DAYS (default 30), and idempotency records past their 24 h, are
 * deleted. The audit trail (reaction_change) is kept.
 *
 * Run by the webhook worker of every instance: each pass deletes in small batches whose rows
 * are picked with FOR UPDATE SKIP LOCKED, so instances pruning at the same moment share the
 * work instead of waiting on each other, and no batch holds locks for long.
 */
export interface RetentionOptions {
  days?: number;
  batch?: number;
  now?: Date;
}

export interface Pruned {
  events: number;
  attempts: number;
  idempotencyKeys: number;
}

export function retentionDays(env: Record<string, string | undefined> = process.env): number {
  const days = Number(env.TAPDESK_WEBHOOK_RETENTION_DAYS ?? 30);
  return Number.isFinite(days) && days > 0 ? days : 30;
}

// The statements: each deletes one batch ($2 rows at the most) of what is older than $1, the
// rows picked with FOR UPDATE SKIP LOCKED.

/**
 * An old event goes with its deliveries and attempts (ON DELETE CASCADE), unless one of its
 * deliveries is still due or was redelivered within the retention period.
 */
const DELETE_OLD_EVENTS = `
  DELETE FROM webhook_event WHERE id IN (
    SELECT e.id FROM webhook_event e
     WHERE e.created_at < $1
       AND NOT EXISTS (
         SELECT 1 FROM webhook_delivery d
          WHERE d.event_id = e.id
            AND (d.status IN ('pending', 'failed') OR d.last_attempt_at >= $1))
     LIMIT $2 FOR UPDATE SKIP LOCKED)`;

/** Old attempts of deliveries that stay (redelivered later) go on their own. */
const DELETE_OLD_ATTEMPTS = `
  DELETE FROM webhook_attempt WHERE id IN (
    SELECT id FROM webhook_attempt WHERE started_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`;

/** Idempotency records past their expiry. */
const DELETE_EXPIRED_IDEMPOTENCY_KEYS = `
  DELETE FROM idempotency_key WHERE id IN (
    SELECT id FROM idempotency_key WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`;

/** Runs one of the statements above batch after batch until a batch comes back short; the rows deleted. */
async function deleteInBatches(db: Db, statement: string, before: Date, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.$executeRawUnsafe(statement, before, batch);
    total += n;
    if (n < batch) return total;
  }
}

export async function pruneExpired(db: Db, options: RetentionOptions = {}): Promise<Pruned> {
  const now = options.now ?? new Date();
  const batch = options.batch ?? 500;
  const cutoff = new Date(now.getTime() - (options.days ?? retentionDays()) * 86_400_000);
  return {
    events: await deleteInBatches(db, DELETE_OLD_EVENTS, cutoff, batch),
    attempts: await deleteInBatches(db, DELETE_OLD_ATTEMPTS, cutoff, batch),
    idempotencyKeys: await deleteInBatches(db, DELETE_EXPIRED_IDEMPOTENCY_KEYS, now, batch),
  };
}
