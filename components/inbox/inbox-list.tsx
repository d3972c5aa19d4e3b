"use client";

import Link from "next/link";
import { useParams, usePathname, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useConditionalPoll } from "@/lib/client/use-conditional-poll";
import type { InboxView } from "@/lib/conversations/view";
import { Checkbox } from "../ui/checkbox";
import { Input } from "../ui/input";
import { useLocalFormat } from "../ui/local-time";
import { Select } from "../ui/select";
import { SmallHeading } from "../ui/small-heading";

const WHEN: Intl.DateTimeFormatOptions = {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
};

/** The inbox's search and filters live in the URL (?q=&agent=&unread=1&mine=1), so a link opens the same view. */
function filtersOf(params: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const name of ["q", "agent", "unread", "mine"]) {
    const value = params.get(name);
    if (value) kept.set(name, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : "";
}

/**
 * Conversations, newest activity first, with unread marks; searchable and filterable,
 * refreshed by polling. Arrow keys move between conversations.
 */
export function InboxList({ initial }: { initial: InboxView }) {
  const searchParams = useSearchParams();
  const pathname = usePathname();
  // The filters the poll asks for. Set with the address bar by each control, and taken from
  // `searchParams` when the URL changes by navigation: after a server action (a tapback from the
  // thread) Next.js stopped reflecting replaceState in `searchParams`, and a filter checked then
  // changed the address bar but never the list.
  const [query, setQuery] = useState(() => filtersOf(new URLSearchParams(searchParams.toString())));
  const { data, mutate } = useConditionalPoll<InboxView>(`/api/ui/inbox${query}`, initial);
  const when = useLocalFormat(WHEN);
  const params = useParams<{ id?: string }>();
  const list = useRef<HTMLUListElement>(null);
  // Each control shows its new value at once; the URL (and so the poll) follows a moment later.
  const [q, setQ] = useState(searchParams.get("q") ?? "");
  const [agent, setAgent] = useState(searchParams.get("agent") ?? "");
  const [unreadOnly, setUnreadOnly] = useState(searchParams.get("unread") === "1");
  const [mineOnly, setMineOnly] = useState(searchParams.get("mine") === "1");
  const inbox = data ?? initial;
  // The server's first render is unfiltered; until the filtered answer arrives, say so.
  const searching = query !== "" && inbox === initial;

  const setFilter = (name: "q" | "agent" | "unread" | "mine", value: string) => {
    // From the address bar, not `searchParams`: that lags a quick second change behind the first.
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(name, value);
    else next.delete(name);
    // Keeps the view in the URL (a link opens it) without a server round trip.
    window.history.replaceState(null, "", `${pathname}${filtersOf(next)}`);
    setQuery(filtersOf(next));
  };

  useEffect(() => {
    setQ(searchParams.get("q") ?? "");
    setAgent(searchParams.get("agent") ?? "");
    setUnreadOnly(searchParams.get("unread") === "1");
    setMineOnly(searchParams.get("mine") === "1");
    setQuery(filtersOf(new URLSearchParams(searchParams.toString())));
  }, [searchParams]);

  // A new search or filter is answered at once, not at the next poll.
  useEffect(() => {
    if (query) void mutate();
  }, [query, mutate]);

  const moveFocus = (e: React.KeyboardEvent) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Home" && e.key !== "End") return;
    const links = [...(list.current?.querySelectorAll<HTMLAnchorElement>("a[data-conversation]") ?? [])];
    if (links.length === 0) return;
    e.preventDefault();
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next =
      e.key === "Home"
        ? 0
        : e.key === "End"
          ? links.length - 1
          : e.key === "ArrowDown"
            ? Math.min(at + 1, links.length - 1)
            : at <= 0
              ? 0
              : at - 1;
    links[next]?.focus();
  };

  return (
    <nav
      aria-label="Inbox"
      className={`${params.id ? "hidden md:flex" : "flex"} w-full shrink-0 flex-col border-r border-neutral-200 md:w-72 dark:border-neutral-800`}
    >
      <div className="space-y-2 border-b border-neutral-200 p-3 dark:border-neutral-800">
        <SmallHeading as="h2">Inbox</SmallHeading>
        <Input
          type="search"
          aria-label="Search conversations"
          placeholder="Number, agent or text"
          value={q}
          maxLength={200}
          onChange={(e) => {
            setQ(e.target.value);
            setFilter("q", e.target.value.trim());
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") {
              e.preventDefault();
              list.current?.querySelector<HTMLAnchorElement>("a[data-conversation]")?.focus();
            }
          }}
          className="placeholder:text-neutral-500 dark:placeholder:text-neutral-400"
        />
        <div className="flex items-center gap-3 text-sm">
          <label className="sr-only" htmlFor="inbox-agent">
            Agent
          </label>
          <Select
            id="inbox-agent"
            size="sm"
            value={agent}
            onValue={(value) => {
              setAgent(value);
              setFilter("agent", value);
            }}
            options={[{ value: "", label: "All agents" }, ...inbox.agents.map((a) => ({ value: a.id, label: a.name }))]}
            className="min-w-0 flex-1"
          />
          <Checkbox
            label="Unread only"
            className="flex shrink-0 items-center gap-1.5"
            checked={unreadOnly}
            onChange={(e) => {
              setUnreadOnly(e.target.checked);
              setFilter("unread", e.target.checked ? "1" : "");
            }}
          />
        </div>
        <Checkbox
          label="Taken over by me"
          className="flex items-center gap-1.5 text-sm"
          checked={mineOnly}
          onChange={(e) => {
            setMineOnly(e.target.checked);
            setFilter("mine", e.target.checked ? "1" : "");
          }}
        />
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        <p role="status" className="sr-only">
          {searching ? "Searching…" : `${inbox.conversations.length} conversations`}
        </p>
        {searching && <p className="px-4 py-3 text-sm text-neutral-600 dark:text-neutral-400">Searching…</p>}
        {!searching && inbox.conversations.length === 0 && (
          <p className="px-4 py-3 text-sm text-neutral-600 dark:text-neutral-400">
            {query ? "No conversations match." : "No conversations yet."}
          </p>
        )}
        {!searching && (
          <ul ref={list} onKeyDown={moveFocus}>
            {inbox.conversations.map((c) => {
              const active = params.id === c.id;
              const unread = c.unread && !active;
              return (
                <li key={c.id}>
                  <Link
                    href={`/conversations/${c.id}${query}`}
                    data-conversation
                    aria-current={active ? "page" : undefined}
                    className={`flex gap-2 border-b border-neutral-100 px-4 py-3 outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-blue-500 dark:border-neutral-900 ${
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
                          className={`shrink-0 text-[11px] ${active ? "text-white" : "text-neutral-600 dark:text-neutral-400"}`}
                        >
                          {when(c.lastActivityAt)}
                        </span>
                      </span>
                      <span
                        className={`block truncate text-xs ${active ? "text-white" : "text-neutral-600 dark:text-neutral-400"}`}
                      >
                        {c.agentName}
                        {c.status === "disconnected" ? " · disconnected" : ""}
                        {c.takenOverBy ? ` · taken over by ${c.takenOverByMe ? "you" : c.takenOverBy}` : ""} ·{" "}
                        {c.snippet}
                      </span>
                    </span>
                  </Link>
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </nav>
  );
}
