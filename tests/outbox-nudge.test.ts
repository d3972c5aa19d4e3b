import { describe, expect, it } from "vitest";
import { OutboxLoop } from "@/lib/outbox/loop";
import { nudgeOutbox } from "@/lib/outbox/nudge";

/** A loop over an empty outbox that counts its claims; it polls only once a minute. */
function countingLoop(outbox: "webhooks" | "scores") {
  let claims = 0;
  let claimed: () => void = () => {};
  const loop = new OutboxLoop<never>({
    name: `${outbox} test worker`,
    outbox,
    pollMs: 60_000,
    concurrency: 4,
    claim: async () => {
      claims++;
      claimed();
      return [];
    },
    deliver: () => [],
  });
  return {
    outbox,
    loop,
    claims: () => claims,
    /** Resolves at the next claim. */
    nextClaim: () => new Promise<void>((resolve) => (claimed = resolve)),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("outbox nudges", () => {
  it("wake the workers of the outbox written to, and not the other's", async () => {
    const webhooks = countingLoop("webhooks");
    const scores = countingLoop("scores");
    webhooks.loop.start();
    scores.loop.start();
    try {
      // Each claims once on start, then sleeps for its minute (and 25 ms after nothing).
      await settle();
      for (const [nudged, other] of [
        [webhooks, scores],
        [scores, webhooks],
      ] as const) {
        const [before, otherBefore] = [nudged.claims(), other.claims()];
        const woken = nudged.nextClaim();
        nudgeOutbox(nudged.outbox);
        await woken;
        await settle();
        expect(nudged.claims()).toBeGreaterThan(before);
        expect(other.claims()).toBe(otherBefore);
      }
    } finally {
      await Promise.all([webhooks.loop.stop(), scores.loop.stop()]);
    }
  });
});
