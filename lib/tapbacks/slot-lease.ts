import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { type Db, sideStatement, type Tx } from "../db/client";
import { Prisma } from "../generated/prisma/client";

/**
 * Changes of one reaction slot (message, part, sender, lane) happen one at a time, across
 * every app instance, in the order they reach the upstream. A row lock would do that only by
 * holding a transaction — and a database connection — across the upstream call, which may
 * take a minute on a real bridge. So the one change in progress holds a *lease* instead: a
 * row in slot_lease with an expiry, renewed while its holder waits on the upstream and
 * deleted in the transaction that records the change. A crashed holder stops renewing and its
 * lease expires; nothing needs a human to unlock it.
 *
 * Within one process, changes of a slot also queue in memory (first come, first served), so
 * only the head of the queue asks the database.
 */

export interface SlotKey {
  workspaceId: string;
  messageId: string;
  partIndex: number;
  sender: string;
  lane: string;
}

export interface LeaseOptions {
  /** How long a lease lasts without renewal: how long a crashed holder blocks the slot. */
  ttlMs: number;
  /** How long to wait for another holder before giving up. */
  waitMs: number;
}

export const LEASE_DEFAULTS: LeaseOptions = { ttlMs: 15_000, waitMs: 120_000 };

/** The slot's lease could not be had in time, or was lost while held (the holder stalled past its expiry). */
export class LeaseError extends Error {}

const queues = new Map<string, Promise<unknown>>();

function keyString(key: SlotKey): string {
  return `${key.messageId}\u0000${key.partIndex}\u0000${key.sender}\u0000${key.lane}`;
}

/** Runs `fn` after every earlier call with the same key has settled, in call order. */
async function inOrder<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  try {
    return await run;
  } finally {
    if (queues.get(key) === tail) queues.delete(key);
  }
}

/** Whether the lease was had, and the row of the caller's read if it asked for one (withSlotLease). */
async function tryAcquire<R>(
  db: Db,
  key: SlotKey,
  token: string,
  ttlMs: number,
  read: Prisma.Sql | undefined,
): Promise<{ acquired: boolean; read?: R }> {
  // Inserts the lease, or takes over one that has expired; a live lease of another holder stays.
  const insert = Prisma.sql`
      INSERT INTO slot_lease (message_id, part_index, sender, lane, workspace_id, token, expires_at)
      VALUES (${key.messageId}::uuid, ${key.partIndex}, ${key.sender}, ${key.lane}, ${key.workspaceId}::uuid,
              ${token}::uuid, now() + ${ttlMs}::int * interval '1 millisecond')
      ON CONFLICT (message_id, part_index, sender, lane) DO UPDATE
         SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
       WHERE slot_lease.expires_at < now()
      RETURNING token::text AS token`;
  if (!read) {
    const rows = await db.$queryRaw<{ token: string }[]>`/* prepared */${insert}`;
    return { acquired: rows[0]?.token === token };
  }
  // The read is joined to the lease's row: it runs only once the lease is had (any wait on the
  // previous holder is over by then), and takes no lock when it is not.
  const rows = await db.$queryRaw<(R & { lease_token: string })[]>`/* prepared */
    WITH lease AS (${insert})
    SELECT lease.token AS lease_token, peek.* FROM lease LEFT JOIN LATERAL (${read}) AS peek ON true`;
  const row = rows[0];
  return row?.lease_token === token ? { acquired: true, read: row } : { acquired: false };
}

export interface Lease<R = undefined> {
  readonly key: SlotKey;
  readonly token: string;
  /**
   * The row of the caller's `read`, made by the statement that took the lease (withSlotLease);
   * undefined without one.
   */
  readonly read: R | undefined;
  /**
   * In the transaction that records the change: ends the lease with it, so the change and
   * the lease's end commit together. Throws LeaseError when the lease was lost meanwhile.
   */
  consume(tx: Tx): Promise<void>;
  /**
   * The caller ended the lease itself, in the statement that recorded the change (it deleted
   * the row with this token, lib/tapbacks/record.ts): nothing is left to give back.
   */
  ended(): void;
}

/**
 * Holds the slot's lease while `fn` runs (renewing it), then ends it if `fn` did not consume
 * it. `fn` may call the upstream: it holds no transaction and no connection while it waits.
 *
 * `read`, a query of one row, rides in the statement that takes the lease (one round trip
 * instead of two); its row comes to `fn` as `lease.read`. It reads from that statement's
 * snapshot, taken when the statement began: if the statement had to wait for the previous
 * holder's recording to commit, the snapshot predates that commit. The read must show whether
 * it is current (lib/tapbacks/service.ts compares the slot's sequence with a locking read of it).
 */
export async function withSlotLease<T, R = undefined>(
  db: Db,
  key: SlotKey,
  fn: (lease: Lease<R>) => Promise<T>,
  options: LeaseOptions = LEASE_DEFAULTS,
  read?: Prisma.Sql,
): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  // The wait is bounded from the call, queue included: a caller still queued at the deadline
  // gives up, and its turn, when it comes, does nothing.
  let started = false;
  let abandoned = false;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (started) return;
      abandoned = true;
      reject(new LeaseError("another change of this reaction is still in progress"));
    }, options.waitMs);
  });
  const run = inOrder(keyString(key), async () => {
    if (abandoned) return undefined as T;
    started = true;
    const token = randomUUID();
    let pause = 5;
    let held: R | undefined;
    for (;;) {
      const attempt = await tryAcquire<R>(db, key, token, options.ttlMs, read);
      if (attempt.acquired) {
        held = attempt.read;
        break;
      }
      // Another instance holds it: it is waiting on its upstream, or it crashed and the lease
      // will expire. Back off, up to a quarter second between looks.
      if (Date.now() > deadline) throw new LeaseError("another change of this reaction is still in progress");
      await sleep(pause);
      pause = Math.min(pause * 2, 250);
    }
    let consumed = false;
    // Renewals never queue behind the app's pool (lib/db/client.ts, sideStatement): a stall
    // there must not let the lease lapse while the upstream call is in flight.
    const side = sideStatement(db);
    const renewal = () =>
      side
        ? side(
            `UPDATE slot_lease SET expires_at = now() + $1::int * interval '1 millisecond'
              WHERE message_id = $2::uuid AND part_index = $3 AND sender = $4 AND lane = $5 AND token = $6::uuid`,
            [options.ttlMs, key.messageId, key.partIndex, key.sender, key.lane, token],
          )
        : db.$executeRaw`
            UPDATE slot_lease SET expires_at = now() + ${options.ttlMs}::int * interval '1 millisecond'
             WHERE message_id = ${key.messageId}::uuid AND part_index = ${key.partIndex}
               AND sender = ${key.sender} AND lane = ${key.lane} AND token = ${token}::uuid`;
    const renew = setInterval(
      () => {
        renewal().catch(() => {
          // A failed renewal is retried at the next tick; if they all fail the lease expires
          // and `consume` reports it (after delivery: an unknown outcome, never a failure).
        });
      },
      Math.max(options.ttlMs / 3, 10),
    );
    renew.unref();
    const lease: Lease<R> = {
      key,
      token,
      read: held,
      async consume(tx) {
        const ended = await tx.$executeRaw`
          DELETE FROM slot_lease
           WHERE message_id = ${key.messageId}::uuid AND part_index = ${key.partIndex}
             AND sender = ${key.sender} AND lane = ${key.lane} AND token = ${token}::uuid`;
        if (ended !== 1) throw new LeaseError("the lease on this reaction expired while its change was in progress");
        consumed = true;
      },
      ended() {
        consumed = true;
      },
    };
    let done = false;
    try {
      const result = await fn(lease);
      done = true;
      return result;
    } finally {
      clearInterval(renew);
      // A consumed lease ended with its committed change; any other (an upstream refusal, a
      // rolled-back transaction) is given back now rather than left to expire.
      if (!(consumed && done)) {
        await db.$executeRaw`
          DELETE FROM slot_lease
           WHERE message_id = ${key.messageId}::uuid AND part_index = ${key.partIndex}
             AND sender = ${key.sender} AND lane = ${key.lane} AND token = ${token}::uuid`.catch(() => {
          // It expires on its own.
        });
      }
    }
  });
  try {
    return await Promise.race([run, gaveUp]);
  } finally {
    clearTimeout(timer);
  }
}
