import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import { Prisma } from "../generated/prisma/client";
import { logger } from "../observability/log";
import { OutboxLoop } from "../outbox/loop";
import { UnsealError, unseal } from "../secrets/seal";
import { sealedAt } from "../secrets/sealed-columns";
import { type AfterAttempt, afterAttempt, claimRoom, goneReason, judge, RETRY_SCHEDULE_MS } from "./delivery-state";
import { pruneExpired } from "./retention";
import { postWebhook, type SendOutcome } from "./send";
import { liveSecrets, signedHeaders } from "./signing";
import { checkDestination, type Resolver, WebhookUrlError } from "./ssrf";

/**
 * The delivery worker (see docs/webhooks.md). Any number of them may run against one
 * PostgreSQL database, one per app instance:
 *
 * 1. claim: one statement picks due deliveries with FOR UPDATE SKIP LOCKED and stamps a
 *    lease and a claim token on them, so no two workers hold the same delivery;
 * 2. send: outside any transaction, signed, with a deadline;
 * 3. record: the attempt row, and the delivery's new state if this claim still holds it.
 *    What that state is, and when the next attempt is due, is decided by the pure functions
 *    of delivery-state.ts; the statements below only write their answers.
 *
 * A worker that dies mid-send leaves its lease behind; once it expires the delivery is due
 * again and another worker sends it with the same webhook-id (at-least-once).
 */

export interface WorkerOptions {
  schedule?: readonly number[];
  /** How often to look for due deliveries when nothing wakes the worker. */
  pollMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /**
   * Deliveries in flight to one endpoint at once (per worker), so an endpoint that hangs
   * until the timeout cannot take every slot from the healthy ones.
   */
  perEndpoint?: number;
  /** How long a claim holds a delivery; must exceed the timeout comfortably. */
  leaseMs?: number;
  timeoutMs?: number;
  resolver?: Resolver;
  /** Defaults to TAPDESK_WEBHOOKS_ALLOW_PRIVATE. */
  allowPrivate?: boolean;
  /** How often to prune old events, deliveries, attempts and idempotency records; 0: never. */
  retentionEveryMs?: number;
}

interface Claimed {
  id: string;
  endpointId: string;
  /** This attempt's number: claims count attempts, so concurrent claims never share one. */
  attempts: number;
  token: string;
}

/** How far down the due queue one claim looks when it spreads its picks over endpoints. */
const CLAIM_WINDOW = 500;

export class WebhookWorker {
  private readonly schedule: readonly number[];
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly busy = new Map<string, number>();
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly loop: OutboxLoop<Claimed>;
  private retentionTimers: ReturnType<typeof setTimeout>[] = [];
  private pruning: Promise<void> = Promise.resolve();
  private started = false;
  /** Attempts this worker has finished; tests use it to see both workers took part. */
  attemptsMade = 0;

  constructor(
    private readonly db: Db,
    private readonly options: WorkerOptions = {},
  ) {
    this.schedule = options.schedule ?? RETRY_SCHEDULE_MS;
    this.pollMs = options.pollMs ?? 500;
    this.concurrency = options.concurrency ?? 16;
    this.perEndpoint = options.perEndpoint ?? 4;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 50_000;
    this.loop = new OutboxLoop({
      name: "webhook worker",
      pollMs: this.pollMs,
      concurrency: this.concurrency,
      claim: (limit) => this.claim(limit),
      deliver: (claimed) => {
        for (const c of claimed) this.busy.set(c.endpointId, (this.busy.get(c.endpointId) ?? 0) + 1);
        const batch = this.load(claimed);
        return claimed.map((c) =>
          this.deliver(c, batch).finally(() => {
            const left = (this.busy.get(c.endpointId) ?? 1) - 1;
            if (left > 0) this.busy.set(c.endpointId, left);
            else this.busy.delete(c.endpointId);
          }),
        );
      },
    });
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    this.loop.start();
    const every = this.options.retentionEveryMs ?? 3_600_000;
    if (every > 0) {
      const prune = () => {
        this.pruning = pruneExpired(this.db)
          .catch((error) => logger().error({ err: error }, "webhook worker: retention failed"))
          .then(() => {});
      };
      // Soon after start (not during it), then every `every` ms.
      this.retentionTimers.push(setTimeout(prune, Math.min(every, 10_000)), setInterval(prune, every));
      for (const timer of this.retentionTimers) timer.unref?.();
    }
    return this;
  }

  /** Stops claiming, waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    await this.loop.stop(async () => {
      for (const timer of this.retentionTimers) clearTimeout(timer);
      await this.pruning;
    });
  }

  wake(): void {
    this.loop.wake();
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const { full, room } = claimRoom(this.busy, this.perEndpoint);
    return claimDue(this.db, {
      token: randomUUID(),
      leaseMs: this.leaseMs,
      limit,
      perEndpoint: this.perEndpoint,
      full,
      room,
    });
  }

  /** What the claimed deliveries need to be sent, in one query for the batch. */
  private async load(claimed: Claimed[]) {
    const rows = await this.db.webhookDelivery.findMany({
      where: { id: { in: claimed.map((c) => c.id) } },
      select: {
        id: true,
        workspaceId: true,
        event: { select: { id: true, body: true } },
        endpoint: {
          select: { id: true, url: true, secret: true, previousSecret: true, previousSecretExpiresAt: true },
        },
      },
    });
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async deliver(claimed: Claimed, batch: ReturnType<WebhookWorker["load"]>): Promise<void> {
    const row = (await batch).get(claimed.id);
    // Deleted with its endpoint since the claim: nothing to send.
    if (!row) return;
    const startedAt = new Date();
    const outcome = await this.send(row.endpoint, row.event, startedAt);
    this.attemptsMade++;
    await this.record(row.id, claimed.token, row.workspaceId, row.endpoint, claimed.attempts, startedAt, outcome);
  }

  private async send(
    endpoint: {
      id: string;
      url: string;
      secret: string;
      previousSecret: string | null;
      previousSecretExpiresAt: Date | null;
    },
    event: { id: string; body: string },
    at: Date,
  ): Promise<SendOutcome> {
    let destination: Awaited<ReturnType<typeof checkDestination>>;
    let url: URL;
    try {
      url = new URL(endpoint.url);
      destination = await checkDestination(url, {
        resolver: this.options.resolver,
        allowPrivate: this.options.allowPrivate,
      });
    } catch (error) {
      const message = error instanceof WebhookUrlError ? error.message : "The endpoint URL is not valid.";
      return { statusCode: null, responseBody: null, error: `Not sent: ${message}`, durationMs: 0 };
    }
    let secrets: string[];
    try {
      secrets = await Promise.all(
        liveSecrets(endpoint, at).map((sealed, i) =>
          unseal(sealed, sealedAt("webhook_endpoint", i === 0 ? "secret" : "previous_secret", endpoint.id)),
        ),
      );
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      return { statusCode: null, responseBody: null, error: `Not sent: ${error.message}`, durationMs: 0 };
    }
    const headers = signedHeaders(secrets, event.id, at, event.body);
    return postWebhook(url, { ...headers }, event.body, { timeoutMs: this.timeoutMs, destination });
  }

  private async record(
    deliveryId: string,
    token: string,
    workspaceId: string,
    endpoint: { id: string; url: string },
    number: number,
    startedAt: Date,
    outcome: SendOutcome,
  ): Promise<void> {
    const { verdict, error } = judge(outcome);
    try {
      await this.db.$transaction(async (tx) => {
        await tx.webhookAttempt.create({
          data: {
            workspaceId,
            deliveryId,
            number,
            url: endpoint.url,
            startedAt,
            durationMs: outcome.durationMs,
            statusCode: outcome.statusCode,
            responseBody: outcome.responseBody,
            error,
          },
        });
        // Another worker holds the delivery when this claim's lease ran out meanwhile: the
        // attempt is logged, the delivery's state is that worker's to write.
        const held = await lockClaimed(tx, deliveryId, token);
        if (held) {
          await writeAfterAttempt(tx, deliveryId, afterAttempt(verdict, held.failures, this.schedule), {
            at: startedAt,
            statusCode: outcome.statusCode,
            error,
          });
        }
        // The answer is the endpoint's, whoever holds the delivery now.
        if (verdict === "gone") {
          await tx.webhookEndpoint.update({
            where: { id: endpoint.id },
            data: { enabled: false, disabledReason: goneReason(startedAt) },
          });
        }
      });
    } catch (failure) {
      // The endpoint was deleted while its delivery was in flight: nothing is left to record.
      if (!isKnownRequestError(failure, "P2003", "P2025")) throw failure;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The statements. Each is one named query; every value is a bind parameter (Prisma's tagged
// templates send `${…}` as $1, $2, …, never as text). Timestamps are stored as UTC without a
// time zone, hence `now() AT TIME ZONE 'UTC'`; the database's clock is the one that decides
// what is due.

type Sql = Pick<Db, "$queryRaw" | "$executeRaw">;

/**
 * Claims up to `limit` due deliveries for this worker, in one statement so the row locks
 * last only as long as the claim itself:
 * - `due`: the oldest due deliveries (pending or failed, due, no live lease) of enabled
 *   endpoints that are not `full` for this worker, at most CLAIM_WINDOW of them;
 * - `spread`: of those, per endpoint no more than the room its cap leaves beside this
 *   worker's sends in flight (`room`; an endpoint not named there gets `perEndpoint`);
 * - `locked`: the oldest `limit` of them, locked with SKIP LOCKED and checked again on the
 *   locked row, in case another worker claimed it meanwhile;
 * then stamps the lease and the token on them and counts the attempt: claims count attempts,
 * so two claims of one delivery never share an attempt number.
 */
function claimDue(
  db: Sql,
  claim: {
    token: string;
    leaseMs: number;
    limit: number;
    perEndpoint: number;
    full: string[];
    room: { endpointIds: string[]; room: number[] };
  },
): Promise<Claimed[]> {
  return db.$queryRaw<Claimed[]>`
    WITH due AS (
           SELECT q.id, q.endpoint_id, q.next_attempt_at
             FROM webhook_delivery q
             JOIN webhook_endpoint e ON e.id = q.endpoint_id
            WHERE q.status IN ('pending', 'failed')
              AND q.next_attempt_at <= (now() AT TIME ZONE 'UTC')
              AND (q.lease_until IS NULL OR q.lease_until <= (now() AT TIME ZONE 'UTC'))
              AND e.enabled
              AND NOT (q.endpoint_id = ANY(${claim.full}::uuid[]))
            ORDER BY q.next_attempt_at
            LIMIT ${CLAIM_WINDOW}::int),
         spread AS (
           SELECT ranked.id
             FROM (SELECT due.id, due.endpoint_id,
                          row_number() OVER (PARTITION BY due.endpoint_id ORDER BY due.next_attempt_at, due.id) AS rank
                     FROM due) AS ranked
            WHERE ranked.rank <= coalesce(
                    (SELECT busy.room
                       FROM unnest(${claim.room.endpointIds}::uuid[], ${claim.room.room}::int[]) AS busy(endpoint_id, room)
                      WHERE busy.endpoint_id = ranked.endpoint_id),
                    ${claim.perEndpoint}::int)),
         locked AS (
           SELECT c.id
             FROM webhook_delivery c
            WHERE c.id IN (SELECT spread.id FROM spread)
              AND c.status IN ('pending', 'failed')
              AND c.next_attempt_at <= (now() AT TIME ZONE 'UTC')
              AND (c.lease_until IS NULL OR c.lease_until <= (now() AT TIME ZONE 'UTC'))
            ORDER BY c.next_attempt_at
            LIMIT ${claim.limit}::int
              FOR UPDATE OF c SKIP LOCKED)
    UPDATE webhook_delivery AS d
       SET lease_until = (now() AT TIME ZONE 'UTC') + ${claim.leaseMs}::float8 * interval '1 millisecond',
           claim_token = ${claim.token}::uuid,
           attempts = d.attempts + 1
      FROM locked
     WHERE d.id = locked.id
    RETURNING d.id::text AS id, d.endpoint_id::text AS "endpointId", d.attempts, d.claim_token::text AS token`;
}

/**
 * Locks the delivery while this claim (`token`) still holds it and reads what the next state
 * depends on; null when the claim is lost. FOR NO KEY UPDATE is the lock the update takes
 * anyway, so it waits for no attempt insert of another worker (those hold KEY SHARE).
 */
async function lockClaimed(db: Sql, deliveryId: string, token: string): Promise<{ failures: number } | null> {
  const rows = await db.$queryRaw<{ failures: number }[]>`
    SELECT failures
      FROM webhook_delivery
     WHERE id = ${deliveryId}::uuid AND claim_token = ${token}::uuid
       FOR NO KEY UPDATE`;
  return rows[0] ?? null;
}

/**
 * Writes a delivery's state after an attempt (see `afterAttempt`) and releases the claim.
 * `retryInMs` null leaves next_attempt_at NULL (a null interval). The attempt's start goes
 * as ISO text, so no driver guesses a time zone.
 */
async function writeAfterAttempt(
  db: Sql,
  deliveryId: string,
  next: AfterAttempt,
  attempt: { at: Date; statusCode: number | null; error: string | null },
): Promise<void> {
  await db.$executeRaw`
    UPDATE webhook_delivery
       SET status = ${next.status}::"WebhookDeliveryStatus",
           failures = ${next.failures}::int,
           next_attempt_at = (now() AT TIME ZONE 'UTC') + ${next.retryInMs}::float8 * interval '1 millisecond',
           lease_until = NULL,
           claim_token = NULL,
           last_attempt_at = ${attempt.at.toISOString()}::timestamptz AT TIME ZONE 'UTC',
           last_status_code = ${attempt.statusCode}::int,
           last_error = ${attempt.error}::text
     WHERE id = ${deliveryId}::uuid`;
}

/** Prisma's "foreign key violated" (P2003) and "record to update not found" (P2025), and the like. */
function isKnownRequestError(error: unknown, ...codes: string[]): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && codes.includes(error.code);
}

export function startWebhookWorker(db: Db, options: WorkerOptions = {}): WebhookWorker {
  return new WebhookWorker(db, options).start();
}

const SERVER_WORKER = Symbol.for("tapdesk.webhook-worker");

/** The server's worker: one per process, started with the server (lib/bootstrap.ts). */
export function startServerWorker(db: Db): WebhookWorker {
  const holder = globalThis as { [SERVER_WORKER]?: WebhookWorker };
  holder[SERVER_WORKER] ??= startWebhookWorker(db);
  return holder[SERVER_WORKER];
}
