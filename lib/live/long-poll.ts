import * as z from "../zod";
import type { LiveHub } from "./hub";

/** Longest wait a poll may ask for: below common proxy and load-balancer idle timeouts. */
export const MAX_WAIT_S = 25;

/** `?wait=` in whole seconds; absent means answer at once (a plain conditional GET). */
export const waitQuery = z.object({
  wait: z.coerce.number().int().min(0).max(MAX_WAIT_S).default(0),
});

/** A wait for news; its answers are HTTP responses for the dashboard's polls, results for MCP. */
export interface Poll<T = Response> {
  /** The notices that may change the answer (see topic in ./hub). */
  topics: string[];
  waitMs: number;
  /** The client went away: stop waiting. */
  signal?: AbortSignal;
  /**
   * The answer when the client's copy is stale, or null while it is current. Reads it shares
   * with other polls (`shared`) must have started at `notBefore` or later: the moment this
   * poll was woken, so a read begun before the change committed cannot answer for it.
   */
  check(notBefore: number): Promise<T | null>;
  /** The answer when the wait ends with nothing new. */
  notModified(): T;
}

/**
 * A conditional long-poll: answers as soon as `check` finds something new, else waits for a
 * notice on one of the topics and checks again, until the wait is over. While it waits it
 * holds no database connection and does no database work; only a notice makes it look.
 */
export async function longPoll<T>(hub: LiveHub | null, poll: Poll<T>): Promise<T> {
  if (!hub || hub.closing || poll.waitMs <= 0) return (await poll.check(performance.now())) ?? poll.notModified();
  let noticed = false;
  let notBefore = performance.now();
  let wakeUp: (() => void) | null = null;
  // Subscribed before the first check, so a change committed during it is not missed.
  const unsubscribe = hub.subscribe(poll.topics, () => {
    noticed = true;
    notBefore = performance.now();
    wakeUp?.();
  });
  try {
    const deadline = Date.now() + poll.waitMs;
    for (;;) {
      noticed = false;
      const fresh = await poll.check(notBefore);
      if (fresh) return fresh;
      if (!noticed) await sleepUntilWoken(deadline - Date.now(), poll.signal, (wake) => (wakeUp = wake));
      wakeUp = null;
      if (!noticed || poll.signal?.aborted || hub.closing) return poll.notModified();
    }
  } finally {
    unsubscribe();
  }
}

function sleepUntilWoken(ms: number, signal: AbortSignal | undefined, onWake: (wake: () => void) => void) {
  return new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    onWake(done);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

const running = new Map<string, { since: number; result: Promise<unknown> }>();

/**
 * One notice wakes every poll waiting on a thread at once; those asking the same question
 * share one read instead of each querying the database (1,000 polls on one thread: one view
 * built, not 1,000). A read in flight is joined only if it started at `notBefore` or later.
 */
export function shared<T>(key: string, notBefore: number, read: () => Promise<T>): Promise<T> {
  const current = running.get(key);
  if (current && current.since >= notBefore) return current.result as Promise<T>;
  const entry = { since: performance.now(), result: Promise.resolve() as Promise<unknown> };
  entry.result = read().finally(() => {
    if (running.get(key) === entry) running.delete(key);
  });
  running.set(key, entry);
  return entry.result as Promise<T>;
}
