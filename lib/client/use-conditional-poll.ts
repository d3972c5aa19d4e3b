"use client";

import { useRef } from "react";
import useSWR from "swr";

/**
 * Polls a JSON view with a conditional GET: sends the last ETag as If-None-Match and
 * keeps the previous data on 304. About every 2 s; SWR pauses while the tab is hidden;
 * after errors the interval doubles up to 30 s.
 */
export const POLL_MS = 2000;
const MAX_BACKOFF_MS = 30_000;

export function useConditionalPoll<T extends { etag: string }>(url: string, fallbackData: T) {
  const last = useRef<T>(fallbackData);
  const failures = useRef(0);

  const fetcher = async (key: string): Promise<T> => {
    const response = await fetch(key, {
      headers: { "If-None-Match": last.current.etag, Accept: "application/json" },
      cache: "no-store",
    });
    if (response.status === 304) return last.current;
    if (response.status === 401) {
      window.location.assign("/login");
      throw new Error("Signed out");
    }
    if (!response.ok) throw new Error(`Refreshing failed (${response.status}).`);
    const next = (await response.json()) as T;
    last.current = next;
    return next;
  };

  return useSWR<T>(url, fetcher, {
    fallbackData,
    refreshInterval: () => Math.min(POLL_MS * 2 ** failures.current, MAX_BACKOFF_MS),
    refreshWhenHidden: false,
    revalidateOnFocus: true,
    revalidateOnMount: false,
    shouldRetryOnError: false,
    dedupingInterval: 500,
    keepPreviousData: true,
    onSuccess: () => {
      failures.current = 0;
    },
    onError: () => {
      failures.current += 1;
    },
  });
}
