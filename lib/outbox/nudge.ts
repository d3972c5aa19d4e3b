/**
 * Wakes this process's delivery workers of one outbox when something was just written to it, so
 * a local change does not wait for the next poll: `webhooks` (events, lib/webhooks/worker.ts) or
 * `scores` (Langfuse scores, lib/feedback/score-worker.ts). Only a shortcut: workers poll anyway,
 * and other app instances find the rows on their own. One outbox's writes do not wake the other's
 * worker, which would only claim nothing. Kept on globalThis because Next.js bundles this module
 * into several chunks.
 */
export type Outbox = "webhooks" | "scores";

const KEY = Symbol.for("tapdesk.outbox-wakers");
type Holder = { [KEY]?: Record<Outbox, Set<() => void>> };

function wakers(outbox: Outbox): Set<() => void> {
  const holder = globalThis as Holder;
  holder[KEY] ??= { webhooks: new Set(), scores: new Set() };
  return holder[KEY][outbox];
}

export function onOutboxNudge(outbox: Outbox, wake: () => void): () => void {
  wakers(outbox).add(wake);
  return () => wakers(outbox).delete(wake);
}

export function nudgeOutbox(outbox: Outbox): void {
  for (const wake of wakers(outbox)) wake();
}
