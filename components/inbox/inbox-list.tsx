"use client";

import Link from "next/link";
import { useParams } from "next/navigation";
import { useConditionalPoll } from "@/lib/client/use-conditional-poll";
import type { InboxView } from "@/lib/conversations/view";
import { useLocalFormat } from "../ui/local-time";

const WHEN: Intl.DateTimeFormatOptions = {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
};

/** Conversations, newest activity first, with unread marks; refreshed by polling. */
export function InboxList({ initial }: { initial: InboxView }) {
  const { data } = useConditionalPoll<InboxView>("/api/ui/inbox", initial);
  const when = useLocalFormat(WHEN);
  const params = useParams<{ id?: string }>();
  const inbox = data ?? initial;
  return (
    <nav
      aria-label="Inbox"
      className="w-72 shrink-0 overflow-y-auto border-r border-neutral-200 dark:border-neutral-800"
    >
      <h2 className="px-4 pb-2 pt-4 text-xs font-semibold uppercase tracking-wide text-neutral-500 dark:text-neutral-400">
        Inbox
      </h2>
      {inbox.conversations.length === 0 && (
        <p className="px-4 text-sm text-neutral-500 dark:text-neutral-400">No conversations yet.</p>
      )}
      <ul>
        {inbox.conversations.map((c) => {
          const active = params.id === c.id;
          const unread = c.unread && !active;
          return (
            <li key={c.id}>
              <Link
                href={`/conversations/${c.id}`}
                aria-current={active ? "page" : undefined}
                className={`flex gap-2 border-b border-neutral-100 px-4 py-3 dark:border-neutral-900 ${
                  active ? "bg-[#0066cc] text-white" : "hover:bg-neutral-50 dark:hover:bg-neutral-900"
                }`}
              >
                <span className="mt-1.5 w-2 shrink-0">
                  {unread && <span className="block h-2 w-2 rounded-full bg-[#0066cc]" title="Unread" />}
                </span>
                <span className="min-w-0 flex-1">
                  <span className="flex items-baseline justify-between gap-2">
                    <span className={`truncate text-sm ${unread ? "font-bold" : "font-medium"}`}>
                      {c.remoteNumber}
                      {unread && <span className="sr-only"> (unread)</span>}
                    </span>
                    <span
                      className={`shrink-0 text-[11px] ${active ? "text-blue-100" : "text-neutral-500 dark:text-neutral-400"}`}
                    >
                      {when(c.lastActivityAt)}
                    </span>
                  </span>
                  <span
                    className={`block truncate text-xs ${active ? "text-blue-100" : "text-neutral-500 dark:text-neutral-400"}`}
                  >
                    {c.agentName}
                    {c.status === "disconnected" ? " · disconnected" : ""} · {c.snippet}
                  </span>
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
