import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import { onWebhookNudge } from "./nudge";
import { postWebhook, type SendOutcome } from "./send";
import { liveSecrets, signedHeaders } from "./signing";
import { checkDestination, type Resolver, WebhookUrlError } from "./ssrf";

/**
 * The delivery worker (SPEC §4). Any number of them may run against one PostgreSQL
 * database, one per app instance:
 *
 * 1. claim: one statement picks due deliveries with FOR UPDATE SKIP LOCKED and stamps a
 *    lease and a claim token on them, so no two workers hold the same delivery;
 * 2. send: outside any transaction, signed, with a deadline;
 * 3. record: the attempt row, and the delivery's new state if this claim still holds it.
 *
 * A worker that dies mid-send leaves its lease behind; once it expires the delivery is due
 * again and another worker sends it with the same webhook-id (at-least-once).
 */

/** Delays after the 1st, 2nd, … failed attempt (SPEC §4); after the last one, give up. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

export interface WorkerOptions {
  schedule?: readonly number[];
  /** How often to look for due deliveries when nothing wakes the worker. */
  pollMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  /** How long a claim holds a delivery; must exceed the timeout comfortably. */
  leaseMs?: number;
  timeoutMs?: number;
  resolver?: Resolver;
  /** Defaults to TAPDESK_WEBHOOKS_ALLOW_PRIVATE. */
  allowPrivate?: boolean;
}

interface Claimed {
  id: string;
  /** This attempt's number: claims count attempts, so concurrent claims never share one. */
  attempts: number;
  token: string;
}

const NOW = `(now() AT TIME ZONE 'UTC')`;

export class WebhookWorker {
  private readonly schedule: readonly number[];
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** Attempts this worker has finished; tests use it to see both workers took part. */
  attemptsMade = 0;

  constructor(
    private readonly db: Db,
    private readonly options: WorkerOptions = {},
  ) {
    this.schedule = options.schedule ?? RETRY_SCHEDULE_MS;
    this.pollMs = options.pollMs ?? 300;
    this.concurrency = options.concurrency ?? 16;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 50_000;
  }

  start(): this {
    if (this.loop) return this;
    this.unsubscribe = onWebhookNudge(() => this.wake());
    this.loop = this.run();
    return this;
  }

  /** Stops claiming, waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.wake();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const wasWoken = this.woken;
      this.woken = false;
      const room = this.concurrency - this.inFlight.size;
      let claimed: Claimed[] = [];
      if (room > 0) {
        try {
          claimed = await this.claim(room);
        } catch (error) {
          console.error("Webhook worker: claiming deliveries failed:", (error as Error).message);
        }
        for (const c of claimed) {
          const job: Promise<void> = this.deliver(c)
            .catch((error) => console.error("Webhook worker: a delivery failed to run:", error))
            .finally(() => {
              this.inFlight.delete(job);
              this.wake();
            });
          this.inFlight.add(job);
        }
      }
      if (this.stopped) break;
      if (room > 0 && claimed.length === room) continue;
      // A nudge can come before the writer's commit is visible (PostgreSQL): look once more soon.
      await this.sleep(wasWoken && claimed.length === 0 ? Math.min(25, this.pollMs) : this.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private async claim(limit: number): Promise<Claimed[]> {
    const token = randomUUID();
    // One statement, so the row locks last only as long as the claim itself.
    return this.db.$queryRawUnsafe<Claimed[]>(
      `UPDATE webhook_delivery AS d
          SET lease_until = ${NOW} + $1::float8 * interval '1 millisecond',
              claim_token = $2::uuid,
              attempts = d.attempts + 1
         FROM (SELECT c.id FROM webhook_delivery c
                 JOIN webhook_endpoint e ON e.id = c.endpoint_id
                WHERE c.status IN ('pending', 'failed')
                  AND c.next_attempt_at <= ${NOW}
                  AND (c.lease_until IS NULL OR c.lease_until <= ${NOW})
                  AND e.enabled
                ORDER BY c.next_attempt_at
                LIMIT $3::int
                  FOR UPDATE OF c SKIP LOCKED) AS due
        WHERE d.id = due.id
    RETURNING d.id::text AS id, d.attempts, d.claim_token::text AS token`,
      this.leaseMs,
      token,
      limit,
    );
  }

  private async deliver(claimed: Claimed): Promise<void> {
    const row = await this.db.webhookDelivery.findUnique({
      where: { id: claimed.id },
      select: {
        id: true,
        workspaceId: true,
        event: { select: { id: true, body: true } },
        endpoint: {
          select: { id: true, url: true, secret: true, previousSecret: true, previousSecretExpiresAt: true },
        },
      },
    });
    if (!row) return;
    const startedAt = new Date();
    const outcome = await this.send(row.endpoint, row.event, startedAt);
    this.attemptsMade++;
    await this.record(row.id, claimed.token, row.workspaceId, row.endpoint, claimed.attempts, startedAt, outcome);
  }

  private async send(
    endpoint: { url: string; secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null },
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
    const headers = signedHeaders(liveSecrets(endpoint, at), event.id, at, event.body);
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
    const code = outcome.statusCode;
    const ok = code !== null && code >= 200 && code < 300;
    const gone = code === 410;
    const error =
      outcome.error ??
      (ok
        ? null
        : code !== null && code >= 300 && code < 400
          ? `Answered ${code}; redirects are not followed.`
          : gone
            ? "Answered 410 Gone; the endpoint was disabled."
            : `Answered ${code}.`);
    await this.db.$transaction(async (tx) => {
      await tx.webhookAttempt.create({
        data: {
          workspaceId,
          deliveryId,
          number,
          url: endpoint.url,
          startedAt,
          durationMs: outcome.durationMs,
          statusCode: code,
          responseBody: outcome.responseBody,
          error,
        },
      });
      // $1 id, $2 token, $3 status code, $4 error, $5 start (ISO, so no driver guesses a time zone)
      const common = `lease_until = NULL, claim_token = NULL, last_attempt_at = $5::timestamptz AT TIME ZONE 'UTC',
                      last_status_code = $3::int, last_error = $4::text`;
      const where = `WHERE id = $1::uuid AND claim_token = $2::uuid`;
      if (ok) {
        await tx.$executeRawUnsafe(
          `UPDATE webhook_delivery SET status = 'succeeded', next_attempt_at = NULL, ${common} ${where}`,
          deliveryId,
          token,
          code,
          error,
          startedAt.toISOString(),
        );
        return;
      }
      if (gone) {
        await tx.$executeRawUnsafe(
          `UPDATE webhook_delivery SET status = 'dead', failures = failures + 1, next_attempt_at = NULL, ${common} ${where}`,
          deliveryId,
          token,
          code,
          error,
          startedAt.toISOString(),
        );
        await tx.webhookEndpoint.update({
          where: { id: endpoint.id },
          data: {
            enabled: false,
            disabledReason: `The endpoint answered 410 Gone on ${startedAt.toISOString()}.`,
          },
        });
        return;
      }
      // failures + 1 is this failure's number; the schedule holds the delay after each.
      await tx.$executeRawUnsafe(
        `UPDATE webhook_delivery
            SET failures = failures + 1,
                status = CASE WHEN failures < $6::int THEN 'failed'::"WebhookDeliveryStatus"
                              ELSE 'dead'::"WebhookDeliveryStatus" END,
                next_attempt_at = CASE WHEN failures < $6::int
                                       THEN ${NOW} + ($7::float8[])[failures + 1] * interval '1 millisecond'
                                  END,
                ${common} ${where}`,
        deliveryId,
        token,
        code,
        error,
        startedAt.toISOString(),
        this.schedule.length,
        [...this.schedule],
      );
    });
  }
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
