"use client";

import { useEffect, useRef } from "react";
import type { ThreadView } from "@/lib/conversations/view";

type Presence = ThreadView["presence"];

function names(list: Presence): string {
  const all = list.map((p) => p.email);
  if (all.length <= 1) return all.join("");
  return `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`;
}

/**
 * Who else has this thread open, and who is writing a reply (lib/conversations/presence.ts),
 * as the thread's long-poll reports it; changes are announced politely.
 */
export function PresenceBar({
  presence,
  me,
  announce,
}: {
  presence: Presence;
  me: string;
  announce: (text: string) => void;
}) {
  const others = presence.filter((p) => p.operatorId !== me);
  const viewing = others.filter((p) => !p.typing);
  const writing = others.filter((p) => p.typing);
  const before = useRef<Presence | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: announces changes of who is here, by value
  useEffect(() => {
    const previous = before.current;
    before.current = others;
    if (!previous) return;
    const was = new Map(previous.map((p) => [p.operatorId, p]));
    const now = new Map(others.map((p) => [p.operatorId, p]));
    const said: string[] = [];
    for (const p of others) {
      const old = was.get(p.operatorId);
      if (!old) said.push(`${p.email} opened this conversation.`);
      else if (p.typing && !old.typing) said.push(`${p.email} is writing a reply.`);
    }
    for (const p of previous) if (!now.has(p.operatorId)) said.push(`${p.email} left this conversation.`);
    if (said.length) announce(said.join(" "));
  }, [others.map((p) => `${p.operatorId}${p.typing ? ":t" : ""}`).join(",")]);

  if (others.length === 0) return null;
  return (
    <p className="mt-0.5 flex flex-wrap items-center gap-x-2 text-xs text-neutral-700 dark:text-neutral-300">
      <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full bg-emerald-600" />
      {viewing.length > 0 && (
        <span>
          {names(viewing)} {viewing.length === 1 ? "is" : "are"} viewing
        </span>
      )}
      {writing.length > 0 && (
        <span className="font-medium text-amber-900 dark:text-amber-200">
          {names(writing)} {writing.length === 1 ? "is" : "are"} writing a reply…
        </span>
      )}
    </p>
  );
}
