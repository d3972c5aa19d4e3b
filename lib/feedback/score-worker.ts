import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import { OutboxLoop } from "../outbox/loop";
import { UnsealError, unseal } from "../secrets/seal";
import { afterAttempt, judge, RETRY_SCHEDULE_MS } from "../webhooks/delivery-state";
import { postWebhook, type SendOutcome } from "../webhooks/send";
import { checkDestination, type Resolver, WebhookUrlError } from "../webhooks/ssrf";
import { basicAuth, scoreRequest, secretKeyAt } from "./langfuse";

/**
 * Sends the Langfuse scores of the outbox (score_delivery, written by lib/feedback/record.ts in
 * the reaction change's transaction) the way the webhook worker sends events: claimed with a
 * lease and a token (FOR UPDATE SKIP LOCKED, so several instances share the work), sent outside
 * any transaction through the same SSRF guard and pinned connection (lib/webhooks/send.ts),
 * retried on the same schedule (lib/webhooks/delivery-state.ts), every attempt logged.
 *
 * A score row holds its part's latest state and a `version`. A claim sends the version it
 * claimed; a change made meanwhile bumps the version but leaves the lease, so no other claim
 * sends the newer state before this attempt is recorded — then the row is due again at once.
 * Langfuse therefore sees a part's states in the order they happened, the last one last.
 */

export interface ScoreWorkerOptions {
  schedule?: readonly number[];
  pollMs?: number;
  concurrency?: number;
  leaseMs?: number;
  timeoutMs?: number;
  resolver?: Resolver;
  allowPrivate?: boolean;
}

interface Claimed {
  id: string;
  workspaceId: string;
  agentId: string;
  scoreId: string;
  operation: string;
  body: string | null;
  attempts: number;
  version: number;
  token: string;
}

export class ScoreWorker {
  private readonly schedule: readonly number[];
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly loop: OutboxLoop<Claimed>;
  private started = false;

  constructor(
    private readonly db: Db,
    private readonly options: ScoreWorkerOptions = {},
  ) {
    this.schedule = options.schedule ?? RETRY_SCHEDULE_MS;
    this.pollMs = options.pollMs ?? 1_000;
    this.concurrency = options.concurrency ?? 8;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 50_000;
    // The webhook worker's loop (lib/outbox/loop.ts), nudged by the writes of score rows.
    this.loop = new OutboxLoop({
      name: "score worker",
      outbox: "scores",
      pollMs: this.pollMs,
      concurrency: this.concurrency,
      claim: (limit) => this.claim(limit),
      deliver: (claimed) => claimed.map((c) => this.deliver(c)),
    });
  }

  start(): this {
    if (this.started) return this;
    this.started = true;
    this.loop.start();
    return this;
  }

  /** Stops claiming, waits for the scores in flight to be recorded. */
  async stop(): Promise<void> {
    await this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  private claim(limit: number): Promise<Claimed[]> {
    const token = randomUUID();
    return this.db.$queryRaw<Claimed[]>`
      WITH locked AS (
             SELECT c.id
               FROM score_delivery c
              WHERE c.status IN ('pending', 'failed')
                AND c.next_attempt_at <= (now() AT TIME ZONE 'UTC')
                AND (c.lease_until IS NULL OR c.lease_until <= (now() AT TIME ZONE 'UTC'))
              ORDER BY c.next_attempt_at
              LIMIT ${limit}::int
                FOR UPDATE OF c SKIP LOCKED)
      UPDATE score_delivery AS d
         SET lease_until = (now() AT TIME ZONE 'UTC') + ${this.leaseMs}::float8 * interval '1 millisecond',
             claim_token = ${token}::uuid,
             claim_version = d.version,
             attempts = d.attempts + 1
        FROM locked
       WHERE d.id = locked.id
      RETURNING d.id::text AS id, d.workspace_id::text AS "workspaceId", d.agent_id::text AS "agentId",
                d.score_id AS "scoreId", d.operation, d.body, d.attempts, d.version, d.claim_token::text AS token`;
  }

  private async deliver(claimed: Claimed): Promise<void> {
    const destination = await this.db.feedbackDestination.findUnique({ where: { agentId: claimed.agentId } });
    const startedAt = new Date();
    const request = destination ? scoreRequest(destination.url, claimed) : null;
    const outcome: SendOutcome =
      destination && request
        ? await this.send(destination, request, claimed.body, startedAt)
        : {
            statusCode: null,
            responseBody: null,
            error: "Not sent: the agent has no feedback destination any more.",
            durationMs: 0,
          };
    await this.record(claimed, request ?? { method: "POST", url: "" }, startedAt, outcome, destination !== null);
  }

  private async send(
    destination: { agentId: string; url: string; publicKey: string; secretKey: string },
    request: { method: "POST" | "DELETE"; url: string },
    body: string | null,
    _at: Date,
  ): Promise<SendOutcome> {
    let url: URL;
    let pinned: Awaited<ReturnType<typeof checkDestination>>;
    try {
      url = new URL(request.url);
      pinned = await checkDestination(url, {
        resolver: this.options.resolver,
        allowPrivate: this.options.allowPrivate,
      });
    } catch (error) {
      const message = error instanceof WebhookUrlError ? error.message : "The Langfuse URL is not valid.";
      return { statusCode: null, responseBody: null, error: `Not sent: ${message}`, durationMs: 0 };
    }
    let secret: string;
    try {
      secret = await unseal(destination.secretKey, secretKeyAt(destination.agentId));
    } catch (error) {
      if (!(error instanceof UnsealError)) throw error;
      return { statusCode: null, responseBody: null, error: `Not sent: ${error.message}`, durationMs: 0 };
    }
    return postWebhook(
      url,
      { authorization: basicAuth(destination.publicKey, secret) },
      request.method === "POST" ? (body ?? "") : "",
      { timeoutMs: this.timeoutMs, destination: pinned, method: request.method },
    );
  }

  private async record(
    claimed: Claimed,
    request: { method: string; url: string },
    startedAt: Date,
    outcome: SendOutcome,
    hasDestination: boolean,
  ): Promise<void> {
    // A score already gone is what a deletion wants (Langfuse answers 404 for an unknown id).
    const settled =
      request.method === "DELETE" && outcome.statusCode === 404
        ? { ...outcome, statusCode: 204, error: null }
        : outcome;
    const { verdict, error } = judge(settled);
    await this.db.$transaction(async (tx) => {
      await tx.scoreAttempt.create({
        data: {
          workspaceId: claimed.workspaceId,
          deliveryId: claimed.id,
          number: claimed.attempts,
          method: request.method,
          url: request.url,
          startedAt,
          durationMs: outcome.durationMs,
          statusCode: outcome.statusCode,
          responseBody: outcome.responseBody,
          error: outcome.statusCode === 404 && verdict === "succeeded" ? "Already deleted (404)." : error,
        },
      });
      const [held] = await tx.$queryRaw<{ failures: number; version: number }[]>`
        SELECT failures, version FROM score_delivery
         WHERE id = ${claimed.id}::uuid AND claim_token = ${claimed.token}::uuid
           FOR NO KEY UPDATE`;
      if (!held) return;
      if (held.version !== claimed.version) {
        // A newer state arrived while this one was on its way: it goes next, from the schedule's start.
        await tx.$executeRaw`
          UPDATE score_delivery
             SET status = 'pending', failures = 0, next_attempt_at = (now() AT TIME ZONE 'UTC'),
                 lease_until = NULL, claim_token = NULL, claim_version = NULL,
                 last_attempt_at = ${startedAt.toISOString()}::timestamptz AT TIME ZONE 'UTC',
                 last_status_code = ${outcome.statusCode}::int, last_error = ${error}::text
           WHERE id = ${claimed.id}::uuid`;
        return;
      }
      const next = hasDestination
        ? afterAttempt(verdict === "gone" ? "failed" : verdict, held.failures, this.schedule)
        : { status: "dead" as const, failures: held.failures + 1, retryInMs: null };
      await tx.$executeRaw`
        UPDATE score_delivery
           SET status = ${next.status}::"WebhookDeliveryStatus", failures = ${next.failures}::int,
               next_attempt_at = (now() AT TIME ZONE 'UTC') + ${next.retryInMs}::float8 * interval '1 millisecond',
               lease_until = NULL, claim_token = NULL, claim_version = NULL,
               last_attempt_at = ${startedAt.toISOString()}::timestamptz AT TIME ZONE 'UTC',
               last_status_code = ${outcome.statusCode}::int, last_error = ${error}::text
         WHERE id = ${claimed.id}::uuid`;
    });
  }
}

const SERVER_WORKER = Symbol.for("tapdesk.score-worker");

/** The server's score worker: one per process, started beside the webhook worker (lib/bootstrap.ts). */
export function startServerScoreWorker(db: Db): ScoreWorker {
  const holder = globalThis as { [SERVER_WORKER]?: ScoreWorker };
  holder[SERVER_WORKER] ??= new ScoreWorker(db).start();
  return holder[SERVER_WORKER];
}
