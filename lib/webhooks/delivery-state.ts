import type { WebhookDeliveryStatus } from "../generated/prisma/client";
import type { SendOutcome } from "./send";

/**
 * A delivery's life, as pure functions: what an attempt's answer means, what the delivery
 * becomes after it, when it is tried again, and what a manual redeliver resets. The worker
 * (worker.ts) reads the row, asks these, and writes their answers; nothing here touches the
 * database or the network. The reasons are in docs/webhooks.md.
 *
 *   pending ──attempt──▶ succeeded                      (2xx)
 *      │                 dead + endpoint disabled       (410 Gone)
 *      │                 failed, retried after a delay  (anything else, while the schedule lasts)
 *      │                 dead                           (anything else, once it is spent)
 *   failed ──attempt──▶ (the same)
 *   any ──redeliver──▶ pending, now, with the schedule from its start
 */

/**
 * Delays after the 1st, 2nd, … failed attempt: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
 * 10 h. After the last one the delivery is given up (dead).
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/**
 * What one attempt's answer means: `succeeded` (2xx), `gone` (410: the receiver asks never to
 * be called again), or `failed` (no answer, a timeout, a redirect, any other status).
 */
export type Verdict = "succeeded" | "gone" | "failed";

export interface Judged {
  verdict: Verdict;
  /** The sentence the delivery log shows for this attempt; null when it succeeded. */
  error: string | null;
}

/** Judges what an attempt got back. Redirects are failures: they are never followed. */
export function judge(outcome: SendOutcome): Judged {
  const code = outcome.statusCode;
  if (code !== null && code >= 200 && code < 300) return { verdict: "succeeded", error: outcome.error };
  if (code === 410) {
    return { verdict: "gone", error: outcome.error ?? "Answered 410 Gone; the endpoint was disabled." };
  }
  const sentence =
    code !== null && code >= 300 && code < 400 ? `Answered ${code}; redirects are not followed.` : `Answered ${code}.`;
  return { verdict: "failed", error: outcome.error ?? sentence };
}

/**
 * How long to wait after the delivery's `failures`-th failure (1 for the first), or null
 * when the schedule is spent and the delivery is given up.
 */
export function retryDelay(failures: number, schedule: readonly number[] = RETRY_SCHEDULE_MS): number | null {
  return failures >= 1 && failures <= schedule.length ? schedule[failures - 1]! : null;
}

/** What a delivery becomes once an attempt is recorded. */
export interface AfterAttempt {
  status: Exclude<WebhookDeliveryStatus, "pending">;
  /** Failed attempts since it was last queued: its position in the schedule. */
  failures: number;
  /**
   * When the next attempt is due, counted from the moment it is recorded (the database's
   * clock, the one due deliveries are picked by); null: never again, unless redelivered.
   */
  retryInMs: number | null;
  /** 410 Gone: the endpoint stops receiving anything until someone enables it again. */
  disableEndpoint: boolean;
}

/**
 * The transition of one attempt: `failures` is the delivery's count before it. A success
 * leaves the count as it is; a 410 gives up at once and disables the endpoint; any other
 * failure waits the schedule's next delay, or gives up once the schedule is spent.
 */
export function afterAttempt(
  verdict: Verdict,
  failures: number,
  schedule: readonly number[] = RETRY_SCHEDULE_MS,
): AfterAttempt {
  switch (verdict) {
    case "succeeded":
      return { status: "succeeded", failures, retryInMs: null, disableEndpoint: false };
    case "gone":
      return { status: "dead", failures: failures + 1, retryInMs: null, disableEndpoint: true };
    case "failed": {
      const retryInMs = retryDelay(failures + 1, schedule);
      return {
        status: retryInMs === null ? "dead" : "failed",
        failures: failures + 1,
        retryInMs,
        disableEndpoint: false,
      };
    }
  }
}

/** Why an endpoint was disabled by a 410, as the settings page shows it. */
export function goneReason(at: Date): string {
  return `The endpoint answered 410 Gone on ${at.toISOString()}.`;
}

/**
 * A manual redeliver: due now, with the schedule from its start. The event, and so the
 * webhook-id and the body, stay the same: receivers recognise a duplicate.
 */
export function redelivery(now: Date): { status: "pending"; failures: number; nextAttemptAt: Date } {
  return { status: "pending", failures: 0, nextAttemptAt: now };
}

/**
 * How many more deliveries one claim may take per endpoint, given this worker's sends in
 * flight (`busy`: endpoint id → sends) and its cap per endpoint. Endpoints at the cap are
 * `full` (left out of the claim); the others not named in `room` get the whole cap.
 */
export function claimRoom(
  busy: ReadonlyMap<string, number>,
  perEndpoint: number,
): { full: string[]; room: { endpointIds: string[]; room: number[] } } {
  const entries = [...busy];
  return {
    full: entries.filter(([, n]) => n >= perEndpoint).map(([id]) => id),
    room: {
      endpointIds: entries.map(([id]) => id),
      room: entries.map(([, n]) => Math.max(0, perEndpoint - n)),
    },
  };
}
