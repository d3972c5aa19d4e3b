import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AfterAttempt,
  afterAttempt,
  claimRoom,
  goneReason,
  judge,
  RETRY_SCHEDULE_MS,
  redelivery,
  retryDelay,
  type Verdict,
} from "@/lib/webhooks/delivery-state";
import type { SendOutcome } from "@/lib/webhooks/send";

const answered = (statusCode: number, error: string | null = null): SendOutcome => ({
  statusCode,
  responseBody: null,
  error,
  durationMs: 3,
});
const unanswered = (error: string): SendOutcome => ({ statusCode: null, responseBody: null, error, durationMs: 0 });

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe("the retry schedule", () => {
  it("is about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    expect(RETRY_SCHEDULE_MS).toEqual([5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  });

  it("gives the delay after each failure, and none once it is spent", () => {
    expect(retryDelay(1)).toBe(5 * SECOND);
    expect(retryDelay(2)).toBe(5 * MINUTE);
    expect(retryDelay(7)).toBe(10 * HOUR);
    expect(retryDelay(8)).toBeNull();
    expect(retryDelay(0)).toBeNull();
    expect(retryDelay(2, [200, 300])).toBe(300);
    expect(retryDelay(1, [])).toBeNull();
  });
});

describe("judging an attempt", () => {
  it("2xx succeeds", () => {
    expect(judge(answered(200))).toEqual({ verdict: "succeeded", error: null });
    expect(judge(answered(204))).toEqual({ verdict: "succeeded", error: null });
  });

  it("410 is gone and says the endpoint was disabled", () => {
    expect(judge(answered(410))).toEqual({
      verdict: "gone",
      error: "Answered 410 Gone; the endpoint was disabled.",
    });
  });

  it("redirects fail, and are said not to be followed", () => {
    expect(judge(answered(302))).toEqual({ verdict: "failed", error: "Answered 302; redirects are not followed." });
    // The 3xx range's edges: 300 is a redirect, 400 is not. (Mutation testing: judge()'s two
    // surviving mutants drop a `code !== null` guard, and are equivalent: null >= 200 and
    // null >= 300 are false, so the guards change no answer.)
    expect(judge(answered(300))).toEqual({ verdict: "failed", error: "Answered 300; redirects are not followed." });
    expect(judge(answered(399))).toEqual({ verdict: "failed", error: "Answered 399; redirects are not followed." });
    expect(judge(answered(400))).toEqual({ verdict: "failed", error: "Answered 400." });
  });

  it("any other status fails with its code; no answer fails with its reason", () => {
    expect(judge(answered(500))).toEqual({ verdict: "failed", error: "Answered 500." });
    expect(judge(answered(199))).toEqual({ verdict: "failed", error: "Answered 199." });
    expect(judge(answered(404))).toEqual({ verdict: "failed", error: "Answered 404." });
    expect(judge(unanswered("No response within 1 s."))).toEqual({
      verdict: "failed",
      error: "No response within 1 s.",
    });
    expect(judge(unanswered("Not sent: The endpoint URL is not valid."))).toMatchObject({ verdict: "failed" });
  });
});

/** The whole transition, in one line. */
const state = (
  status: AfterAttempt["status"],
  failures: number,
  retryInMs: number | null,
  disableEndpoint = false,
) => ({
  status,
  failures,
  retryInMs,
  disableEndpoint,
});

describe("a delivery after an attempt", () => {
  it("succeeds and is never tried again; its failures stay counted", () => {
    expect(afterAttempt("succeeded", 0)).toEqual(state("succeeded", 0, null));
    expect(afterAttempt("succeeded", 3).failures).toBe(3);
  });

  it("waits the schedule's next delay after a failure", () => {
    expect(afterAttempt("failed", 0)).toEqual(state("failed", 1, 5 * SECOND));
    expect(afterAttempt("failed", 1)).toMatchObject({ status: "failed", failures: 2, retryInMs: 5 * MINUTE });
    expect(afterAttempt("failed", 6)).toMatchObject({ status: "failed", failures: 7, retryInMs: 10 * HOUR });
  });

  it("is given up (dead) once the schedule is spent", () => {
    expect(afterAttempt("failed", 7)).toEqual(state("dead", 8, null));
    expect(afterAttempt("failed", 2, [200, 200])).toMatchObject({ status: "dead", failures: 3, retryInMs: null });
    expect(afterAttempt("failed", 0, [])).toMatchObject({ status: "dead", retryInMs: null });
  });

  it("is given up at once on 410, and the endpoint disabled", () => {
    expect(afterAttempt("gone", 0)).toEqual(state("dead", 1, null, true));
    expect(goneReason(new Date("2025-01-02T03:04:05.678Z"))).toBe(
      "The endpoint answered 410 Gone on 2025-01-02T03:04:05.678Z.",
    );
  });

  it("is queued again now, from the schedule's start, on redeliver", () => {
    const now = new Date("2025-01-02T03:04:05.678Z");
    expect(redelivery(now)).toEqual({ status: "pending", failures: 0, nextAttemptAt: now });
    // The next failure after a redeliver waits the first delay again.
    expect(afterAttempt("failed", redelivery(now).failures).retryInMs).toBe(RETRY_SCHEDULE_MS[0]);
  });

  it("follows the schedule through any run of answers (model)", () => {
    const schedule = fc.array(fc.integer({ min: 1, max: 10 * HOUR }), { maxLength: 8 });
    const verdicts = fc.array(fc.constantFrom<Verdict>("succeeded", "gone", "failed"), { maxLength: 20 });
    fc.assert(
      fc.property(schedule, verdicts, (schedule, verdicts) => {
        // A delivery is attempted while it is pending or failed; its waits are the schedule in order.
        let state: AfterAttempt | null = null;
        let failures = 0;
        let last: Verdict | null = null;
        const waits: number[] = [];
        for (const verdict of verdicts) {
          if (state && state.status !== "failed") break;
          last = verdict;
          state = afterAttempt(verdict, failures, schedule);
          expect(state.failures).toBe(verdict === "succeeded" ? failures : failures + 1);
          failures = state.failures;
          expect(state.retryInMs === null).toBe(state.status !== "failed");
          expect(state.disableEndpoint).toBe(verdict === "gone");
          if (state.retryInMs !== null) waits.push(state.retryInMs);
        }
        expect(waits).toEqual(schedule.slice(0, waits.length));
        // Dead only after 410, or after one failure more than the schedule has delays.
        if (state?.status === "dead" && last === "failed") expect(failures).toBe(schedule.length + 1);
      }),
    );
  });
});

describe("the room a claim has per endpoint", () => {
  it("leaves out endpoints at the cap and gives the others what the cap leaves", () => {
    const busy = new Map([
      ["a", 4],
      ["b", 1],
      ["c", 5],
    ]);
    expect(claimRoom(busy, 4)).toEqual({
      full: ["a", "c"],
      room: { endpointIds: ["a", "b", "c"], room: [0, 3, 0] },
    });
    expect(claimRoom(new Map(), 4)).toEqual({ full: [], room: { endpointIds: [], room: [] } });
  });
});
