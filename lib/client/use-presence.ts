"use client";

import { useCallback, useEffect, useRef } from "react";

/** Matches lib/conversations/presence.ts (HEARTBEAT_MS); the server answers its own figure too. */
const HEARTBEAT_MS = 5_000;
/** Writing stops counting this long after the last keystroke. */
const TYPING_IDLE_MS = 5_000;

/**
 * Tells the server this operator has the thread open (lib/conversations/presence.ts): a
 * heartbeat every few seconds while the page is visible, one at once when they start or stop
 * writing, and a last one (sendBeacon, which outlives the page) when the page is hidden or
 * closed. The answers travel back to everyone through the thread's own long-poll: no socket.
 * Returns `typed()`, to call on each keystroke in the reply.
 */
export function usePresence(conversationId: string): { typed: () => void } {
  const typing = useRef(false);
  const idle = useRef<ReturnType<typeof setTimeout> | null>(null);
  const url = `/api/ui/conversations/${conversationId}/presence`;

  const beat = useCallback(
    (leaving = false) => {
      const body = JSON.stringify({ typing: typing.current && !leaving, leaving });
      if (leaving && typeof navigator.sendBeacon === "function") {
        navigator.sendBeacon(url, new Blob([body], { type: "application/json" }));
        return;
      }
      fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json" }, keepalive: true }).catch(
        () => {
          // The next beat tries again; presence is a courtesy, never an error to show.
        },
      );
    },
    [url],
  );

  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const start = () => {
      if (timer) return;
      beat();
      timer = setInterval(() => beat(), HEARTBEAT_MS);
    };
    const stop = () => {
      if (timer) clearInterval(timer);
      timer = null;
      beat(true);
    };
    const onVisibility = () => (document.hidden ? stop() : start());
    if (!document.hidden) start();
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("pagehide", stop);
    return () => {
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("pagehide", stop);
      if (idle.current) clearTimeout(idle.current);
      stop();
    };
  }, [beat]);

  const typed = useCallback(() => {
    if (idle.current) clearTimeout(idle.current);
    idle.current = setTimeout(() => {
      typing.current = false;
      beat();
    }, TYPING_IDLE_MS);
    if (!typing.current) {
      typing.current = true;
      beat();
    }
  }, [beat]);

  return { typed };
}
