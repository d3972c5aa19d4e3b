"use client";

import { useCallback, useRef, useState } from "react";

/**
 * A polite live region: what changed without the eyes on it (a tapback sent from the keyboard,
 * someone opening the thread, a take-over), read out when the screen reader is idle. Saying
 * the same sentence twice in a row still reads it twice: the text alternates a trailing space.
 */
export function useAnnouncer() {
  const [message, setMessage] = useState("");
  const flip = useRef(false);
  const announce = useCallback((text: string) => {
    flip.current = !flip.current;
    setMessage(flip.current ? text : `${text}\u00a0`);
  }, []);
  const region = (
    <p role="status" aria-live="polite" className="sr-only" data-testid="thread-announcer">
      {message}
    </p>
  );
  return { announce, region };
}
