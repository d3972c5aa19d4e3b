/**
 * Wakes the delivery workers of this process when an event was just written, so a local
 * change does not wait for the next poll. Only a shortcut: workers poll anyway, and other
 * app instances find the event on their own. Kept on globalThis because Next.js bundles
 * this module into several chunks.
 */
const KEY = Symbol.for("tapdesk.webhook-wakers");
type Holder = { [KEY]?: Set<() => void> };

function wakers(): Set<() => void> {
  const holder = globalThis as Holder;
  holder[KEY] ??= new Set();
  return holder[KEY];
}

export function onWebhookNudge(wake: () => void): () => void {
  wakers().add(wake);
  return () => wakers().delete(wake);
}

export function nudgeWebhookWorkers(): void {
  for (const wake of wakers()) wake();
}
