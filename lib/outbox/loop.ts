import { logger } from "../observability/log";
import { type Outbox, onOutboxNudge } from "./nudge";

/**
 * The one claim/send loop of the outbox's workers (lib/webhooks/worker.ts for webhook events,
 * lib/feedback/score-worker.ts for Langfuse scores). Each turn claims up to the free room
 * (`concurrency` minus what is in flight), starts the claimed deliveries without waiting for
 * them, and claims again at once while claims fill the room; otherwise it sleeps `pollMs`, or
 * only 25 ms after a wake that found nothing (a nudge can come before the writer's commit is
 * visible on PostgreSQL). A delivery's end and the outbox write's nudge (./nudge.ts)
 * wake it. What is claimed, and how it is sent and recorded, is the worker's own.
 */

export interface OutboxLoopOptions<T> {
  /** Names the worker in its log lines ("webhook worker", "score worker"). */
  name: string;
  /** The outbox whose writes nudge it. */
  outbox: Outbox;
  pollMs: number;
  concurrency: number;
  /** Claims at most `limit` due deliveries (with a lease, so no other worker holds them). */
  claim(limit: number): Promise<T[]>;
  /** Starts sending what one claim returned: one promise per delivery, settled when it is recorded. */
  deliver(claimed: T[]): Promise<void>[];
}

export class OutboxLoop<T> {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: OutboxLoopOptions<T>) {}

  start(): void {
    if (this.loop) return;
    this.unsubscribe = onOutboxNudge(this.options.outbox, () => this.wake());
    this.loop = this.run();
  }

  /**
   * Stops claiming at once; then runs `meanwhile` (what else the worker winds down), stops
   * listening for nudges and waits for the deliveries in flight to be recorded.
   */
  async stop(meanwhile?: () => Promise<void>): Promise<void> {
    this.stopped = true;
    await meanwhile?.();
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
    const { name, concurrency, pollMs } = this.options;
    while (!this.stopped) {
      const wasWoken = this.woken;
      this.woken = false;
      const room = concurrency - this.inFlight.size;
      let claimed: T[] = [];
      if (room > 0) {
        try {
          claimed = await this.options.claim(room);
        } catch (error) {
          logger().error({ err: error }, `${name}: claiming deliveries failed`);
        }
        const deliveries = claimed.length ? this.options.deliver(claimed) : [];
        for (const delivery of deliveries) {
          const job: Promise<void> = delivery
            .catch((error) => logger().error({ err: error }, `${name}: a delivery failed to run`))
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
      await this.sleep(wasWoken && claimed.length === 0 ? Math.min(25, pollMs) : pollMs);
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
}
