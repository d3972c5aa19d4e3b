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
 * 1. claim: one statement picks due deliveries with FOR UPDATE SKIP LOCKED, stamps a lease
 *    and a claim token on them, so no two workers hold the same delivery, and returns what
 *    sending them needs;
 * 2. send: outside any transaction, signed, with a deadline;
 * 3. record, in one statement: the attempt row, and the delivery's new state if this claim
 *    still holds it.
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

/** A claimed delivery, with what sending it needs (read by the claim itself). */
interface Claimed {
  id: string;
  workspaceId: string;
  /** This attempt's number: claims count attempts, so concurrent claims never share one. */
  attempts: number;
  token: string;
  /**
   * Failed attempts so far. Only the claim's holder changes them (a redeliver, which resets
   * them, also takes the claim away), so they are still this when the outcome is recorded.
   */
  failures: number;
  event: { id: string; body: string };
  endpoint: {
    id: string;
    url: string;
    secret: string;
    previousSecret: string | null;
    previousSecretExpiresAt: Date | null;
  };
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
      outbox: "webhooks",
      pollMs: this.pollMs,
      concurrency: this.concurrency,
      claim: (limit) => this.claim(limit),
      deliver: (claimed) => {
        for (const c of claimed) this.busy.set(c.endpoint.id, (this.busy.get(c.endpoint.id) ?? 0) + 1);
        return claimed.map((c) =>
          this.deliver(c).finally(() => {
            const left = (this.busy.get(c.endpoint.id) ?? 1) - 1;
            if (left > 0) this.busy.set(c.endpoint.id, left);
            else this.busy.delete(c.endpoint.id);
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

  private async deliver(claimed: Claimed): Promise<void> {
    const startedAt = new Date();
    const outcome = await this.send(claimed.endpoint, claimed.event, startedAt);
    this.attemptsMade++;
    await this.record(claimed, startedAt, outcome);
  }

  private async send(endpoint: Claimed["endpoint"], event: Claimed["event"], at: Date): Promise<SendOutcome> {
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

  private async record(claimed: Claimed, startedAt: Date, outcome: SendOutcome): Promise<void> {
    const { verdict, error } = judge(outcome);
    try {
      await recordAttempt(this.db, {
        id: randomUUID(),
        claim: claimed,
        startedAt,
        outcome,
        error,
        next: afterAttempt(verdict, claimed.failures, this.schedule),
      });
    } catch (failure) {
      // The endpoint was deleted while its delivery was in flight: nothing is left to record.
      if (!isForeignKeyViolation(failure)) throw failure;
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
 *   locked row, in case another worker claimed it meanwhile. They are looked up by id in the
 *   ranking's result (`ARRAY(…)`, computed once): the claim is a prepared statement, and a
 *   generic plan made while the tables were nearly empty ranked again for every due delivery
 *   (tests/webhook-claim-plan.test.ts);
 * then stamps the lease and the token on them and counts the attempt: claims count attempts,
 * so two claims of one delivery never share an attempt number. It returns what sending them
 * needs (the event's body, the endpoint's URL and sealed secrets), so nothing is read after.
 */
async function claimDue(
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
  const rows = await db.$queryRaw<ClaimedRow[]>`/* prepared */
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
            WHERE c.id = ANY(ARRAY(SELECT spread.id FROM spread))
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
      FROM locked, webhook_event ev, webhook_endpoint e
     WHERE d.id = locked.id AND ev.id = d.event_id AND e.id = d.endpoint_id
    RETURNING d.id::text AS id, d.workspace_id::text AS "workspaceId", d.attempts, d.claim_token::text AS token,
              d.failures, ev.id::text AS "eventId", ev.body, e.id::text AS "endpointId", e.url, e.secret,
              e.previous_secret AS "previousSecret", e.previous_secret_expires_at AS "previousSecretExpiresAt"`;
  return rows.map(({ eventId, body, endpointId, url, secret, previousSecret, previousSecretExpiresAt, ...c }) => ({
    ...c,
    event: { id: eventId, body },
    endpoint: { id: endpointId, url, secret, previousSecret, previousSecretExpiresAt },
  }));
}

/** A claim's row: the delivery's columns, the event's and the endpoint's flat beside them. */
type ClaimedRow = Omit<Claimed, "event" | "endpoint"> &
  Omit<Claimed["endpoint"], "id"> & { eventId: string; body: string; endpointId: string };

/**
 * Records one attempt in one statement: the attempt row (always: the log shows every attempt);
 * the delivery's state after it (`next`, see `afterAttempt`) and the claim's release, only while
 * this claim still holds it (another worker holds it once this claim's lease ran out; a
 * redeliver took it away), and a 410's endpoint disabled, whoever holds the delivery (the
 * answer is the endpoint's). `retryInMs` null leaves next_attempt_at NULL (a null interval).
 * Times go as ISO text, so no driver guesses a time zone.
 */
async function recordAttempt(
  db: Sql,
  a: {
    id: string;
    claim: Claimed;
    startedAt: Date;
    outcome: SendOutcome;
    error: string | null;
    next: AfterAttempt;
  },
): Promise<void> {
  const at = a.startedAt.toISOString();
  await db.$executeRaw`/* prepared */
    WITH attempt AS (
           INSERT INTO webhook_attempt (id, workspace_id, delivery_id, number, url, started_at, duration_ms,
                                        status_code, response_body, error)
           VALUES (${a.id}::uuid, ${a.claim.workspaceId}::uuid, ${a.claim.id}::uuid, ${a.claim.attempts}::int,
                   ${a.claim.endpoint.url}::text, ${at}::timestamptz AT TIME ZONE 'UTC', ${a.outcome.durationMs}::int,
                   ${a.outcome.statusCode}::int, ${a.outcome.responseBody}::text, ${a.error}::text)),
         state AS (
           UPDATE webhook_delivery
              SET status = ${a.next.status}::"WebhookDeliveryStatus",
                  failures = ${a.next.failures}::int,
                  next_attempt_at = (now() AT TIME ZONE 'UTC') + ${a.next.retryInMs}::float8 * interval '1 millisecond',
                  lease_until = NULL,
                  claim_token = NULL,
                  last_attempt_at = ${at}::timestamptz AT TIME ZONE 'UTC',
                  last_status_code = ${a.outcome.statusCode}::int,
                  last_error = ${a.error}::text
            WHERE id = ${a.claim.id}::uuid AND claim_token = ${a.claim.token}::uuid)
    UPDATE webhook_endpoint
       SET enabled = false, disabled_reason = ${goneReason(a.startedAt)}::text
     WHERE id = ${a.claim.endpoint.id}::uuid AND ${a.next.disableEndpoint}::boolean`;
}

/** PostgreSQL's "foreign key violated" (23503), as Prisma reports it for a raw statement (P2010). */
function isForeignKeyViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2010") return false;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: string } } | undefined)?.cause;
  return cause?.originalCode === "23503";
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
