/**
 * The sends of this process that have called, or are about to call, an upstream and not yet
 * recorded what it did. Shutdown waits for them (a bridge call may take 75 s): a SIGTERM
 * between a delivery and its recording would otherwise lose a message the person received.
 */
const inFlight = new Set<Promise<unknown>>();

/** Runs `work` as a send in flight until it settles. */
export function trackSend<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  const done = () => inFlight.delete(work);
  work.then(done, done);
  return work;
}

/** Waits for the sends in flight (and any they start meanwhile), up to `timeoutMs`; how many are left. */
export async function drainSends(timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (inFlight.size > 0 && Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      }),
    ]);
    clearTimeout(timer);
  }
  return inFlight.size;
}
