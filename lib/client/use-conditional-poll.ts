"use client";

import { useEffect, useRef } from "react";
import useSWR from "swr";

/**
 * Keeps a JSON view fresh with a conditional long-poll: each request sends the last ETag as
 * If-None-Match with `?wait=25`; the server answers 200 the moment the view changes, or 304
 * when the wait ends, and the next request goes out at once. While the tab is hidden no new
 * request starts. After an error the page falls back to plain conditional polls (no wait),
 * every 2 s, doubling up to 30 s while errors continue; the first success resumes waiting.
 *
 * `refresh()` (after an action) asks for the view as it is now, without waiting: the poll that
 * was waiting may already have brought the action's change, and a waiting request with that
 * ETag would hold the action (and its optimistic "Sending…" bubble beside the real message)
 * for the whole wait. `mutate()` is SWR's own, unchanged.
 */
export const WAIT_S = 25;
export const POLL_MS = 2000;
const MAX_BACKOFF_MS = 30_000;
/** While hidden, how often SWR's timer looks whether the tab is visible again (no request). */
const HIDDEN_TICK_MS = 1000;

/** How long a request may wait for a change: not after an error, while hidden, or when asked for now. */
export function waitSeconds(state: { failures: number; hidden: boolean; now: boolean }): number {
  return state.failures === 0 && !state.hidden && !state.now ? WAIT_S : 0;
}

export function useConditionalPoll<T extends { etag: string }>(url: string, fallbackData: T) {
  const last = useRef<T>(fallbackData);
  const failures = useRef(0);
  const now = useRef(false);
  const inFlight = useRef<AbortController | null>(null);

  // A poll still waiting when the page leaves would hold one of the browser's few
  // connections to the server for up to its whole wait.
  useEffect(() => () => inFlight.current?.abort(), []);

  const fetcher = async (key: string): Promise<T> => {
    // A refresh asked for on purpose (after an action) replaces a poll that is still waiting.
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    const wait = waitSeconds({ failures: failures.current, hidden: document.hidden, now: now.current });
    now.current = false;
    try {
      const response = await fetch(`${key}${key.includes("?") ? "&" : "?"}wait=${wait}`, {
        headers: { "If-None-Match": last.current.etag, Accept: "application/json" },
        cache: "no-store",
        signal: controller.signal,
      });
      if (response.status === 401) {
        window.location.assign("/login");
        return last.current;
      }
      if (response.status !== 304) {
        if (!response.ok) throw new Error(`Refreshing failed (${response.status}).`);
        last.current = (await response.json()) as T;
      }
      failures.current = 0;
    } catch {
      // Superseded or unmounted: not a failure. Anything else: back off to plain polls.
      if (!controller.signal.aborted) failures.current += 1;
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
    }
    // Errors are not thrown: SWR stops its refresh timer while an error is cached.
    return last.current;
  };

  const swr = useSWR<T>(url, fetcher, {
    fallbackData,
    refreshInterval: () => {
      if (typeof document !== "undefined" && document.hidden) return HIDDEN_TICK_MS;
      if (failures.current === 0) return 1;
      return Math.min(POLL_MS * 2 ** (failures.current - 1), MAX_BACKOFF_MS);
    },
    refreshWhenHidden: false,
    revalidateOnFocus: true,
    revalidateOnMount: false,
    shouldRetryOnError: false,
    // A finished poll must not be reused for the next one; one still waiting is shared.
    dedupingInterval: 0,
    keepPreviousData: true,
  });
  const refresh = () => {
    now.current = true;
    return swr.mutate();
  };
  // Added to SWR's own answer, not spread into a copy: its fields are getters that track use.
  return Object.assign(swr, { refresh });
}
