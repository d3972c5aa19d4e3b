import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import pino from "pino";
import redact from "./redact.json";

/**
 * The process's structured logger and the current request's id. `npm start`'s server
 * (scripts/start.mjs) creates both before Next.js loads and keeps them on globalThis, because
 * Next.js bundles this module into several chunks that must share one logger and one context.
 */

/** Fields that may carry a secret, censored wherever they appear in a logged object (shared with scripts/start.mjs). */
export const REDACT: string[] = redact.paths;

const LOGGER = Symbol.for("tapdesk.logger");
const CONTEXT = Symbol.for("tapdesk.request-context");
type Holder = { [LOGGER]?: pino.Logger; [CONTEXT]?: AsyncLocalStorage<{ requestId: string }> };

export function logger(): pino.Logger {
  const holder = globalThis as Holder;
  holder[LOGGER] ??= pino({
    base: undefined,
    level: process.env.TAPDESK_LOG_LEVEL || "info",
    redact: { paths: REDACT, censor: "[redacted]" },
  });
  return holder[LOGGER];
}

export function requestContext(): AsyncLocalStorage<{ requestId: string }> {
  const holder = globalThis as Holder;
  holder[CONTEXT] ??= new AsyncLocalStorage();
  return holder[CONTEXT];
}

/** The id of the request being served (the one its log line carries); a fresh one outside a request. */
export function currentRequestId(): string {
  return requestContext().getStore()?.requestId ?? randomUUID();
}
