"use client";

import { useSyncExternalStore } from "react";

const noop = () => () => {};

/**
 * A time in the operator's own time zone. The server does not know that zone, so the
 * server render (and hydration) uses UTC and the browser re-renders with its own zone.
 */
export function useLocalFormat(options: Intl.DateTimeFormatOptions) {
  const onClient = useSyncExternalStore(
    noop,
    () => true,
    () => false,
  );
  const format = new Intl.DateTimeFormat("en-US", onClient ? options : { ...options, timeZone: "UTC" });
  return (iso: string) => format.format(new Date(iso));
}

export function LocalTime({ iso, options }: { iso: string; options: Intl.DateTimeFormatOptions }) {
  const format = useLocalFormat(options);
  return <time dateTime={iso}>{format(iso)}</time>;
}
