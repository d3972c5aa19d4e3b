"use client";

import Link from "next/link";
import { useLayoutEffect, useOptimistic, useRef, useState, useTransition } from "react";
import { sendReply, sendTapback } from "@/app/(app)/conversations/[id]/actions";
import { useConditionalPoll } from "@/lib/client/use-conditional-poll";
import { usePresence } from "@/lib/client/use-presence";
import { useThreadShortcuts } from "@/lib/client/use-thread-shortcuts";
import type { MessageView, ThreadView } from "@/lib/conversations/view";
import { CLASSIC_LABEL, type Classic, type TapbackKind } from "@/lib/tapbacks/kinds";
import { decide, isClassic, type ReactionRequest, toggle } from "@/lib/tapbacks/rules";
import { SandboxPanel } from "../sandbox/sandbox-panel";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { useLocalFormat } from "../ui/local-time";
import { RetryAlert } from "../ui/retry-alert";
import { Bubble } from "./bubble";
import { useAnnouncer } from "./live-announcer";
import { MessageDetailsDialog } from "./message-details-dialog";
import { PresenceBar } from "./presence-bar";
import { ReplyComposer, type ReplyFailure } from "./reply-composer";
import { ShortcutsDialog } from "./shortcuts-dialog";
import { TakeOverControl } from "./take-over-control";

const BRIDGE_STATUS: Record<string, string> = {
  ok: "connected",
  private_api_off: "Private API off",
  helper_disconnected: "helper disconnected",
  unreachable: "unreachable",
};

const classic = (kind: Classic) => ({ kind, customEmoji: null });

interface Change {
  messageId: string;
  partIndex: number;
  request: ReactionRequest;
}

/**
 * The agent's tapback on one part as it will be once the send lands: the same `decide` the
 * service applies, on what this page shows as live.
 */
function withAgentTapback(view: ThreadView, change: Change): ThreadView {
  return {
    ...view,
    messages: view.messages.map((m) =>
      m.id !== change.messageId
        ? m
        : {
            ...m,
            parts: m.parts.map((p) => {
              if (p.index !== change.partIndex) return p;
              const live = p.reactions.find((r) => r.direction === "outbound" && r.kind !== "sticker");
              const decision = decide(
                live ? { kind: live.kind as TapbackKind, customEmoji: live.customEmoji } : null,
                change.request,
              );
              if (decision.action === "noop") return p;
              const others = p.reactions.filter((r) => r !== live);
              if (decision.action === "remove") return { ...p, reactions: others };
              const now = new Date().toISOString();
              return {
                ...p,
                reactions: [
                  ...others,
                  {
                    id: live?.id ?? `optimistic-${change.messageId}-${change.partIndex}`,
                    partIndex: p.index,
                    direction: "outbound" as const,
                    kind: decision.next.kind,
                    customEmoji: decision.next.customEmoji,
                    sticker: null,
                    by: view.agent.name,
                    createdAt: live?.createdAt ?? now,
                    updatedAt: now,
                    sequence: (live?.sequence ?? 0) + 1,
                  },
                ],
              };
            }),
          },
    ),
  };
}

/** A reply on its way: a message of one text part, without a status yet. */
type PendingReply = Pick<MessageView, "id" | "createdAt"> & { text: string };

/** A reply on its way: shown at once as the agent's bubble, gone again if the send fails. */
function withPendingReply(view: ThreadView, reply: PendingReply): ThreadView {
  return {
    ...view,
    messages: [
      ...view.messages,
      {
        id: reply.id,
        direction: "outbound",
        status: "sending",
        createdAt: reply.createdAt,
        parts: [{ index: 0, type: "text", text: reply.text, attachment: null, reactions: [] }],
      },
    ],
  };
}

/** Why the composer is off, in a sentence, or null when replies can go out. */
function replyBlocker(view: ThreadView): string | null {
  if (!view.agent.imessageEnabled) {
    return `${view.agent.name}'s identity is not enabled for iMessage, so replies are off.`;
  }
  if (view.blocked)
    return `${view.remoteNumber} is blocked by a contact rule, so ${view.agent.name} cannot message them.`;
  if (view.assignmentStatus === "disconnected") {
    return `${view.remoteNumber} has disconnected from ${view.agent.name}. They must reconnect before you can reply.`;
  }
  return null;
}

const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };
const DAY: Intl.DateTimeFormatOptions = { weekday: "short", month: "short", day: "numeric" };
const STATUS_LABEL: Record<string, string> = {
  queued: "Queued",
  sent: "Sent",
  delivered: "Delivered",
  failed: "Not delivered",
  received: "",
  sending: "Sending…",
};

type Entry = { kind: "message"; message: MessageView } | { kind: "handoff"; handoff: ThreadView["handoffs"][number] };

/** The messages with the take-overs and hand-backs between them, in time order. */
function withHandoffs(view: ThreadView): Entry[] {
  const entries: Entry[] = [];
  const handoffs = [...view.handoffs];
  for (const message of view.messages) {
    while (handoffs[0] && handoffs[0].at <= message.createdAt) {
      entries.push({ kind: "handoff", handoff: handoffs.shift()! });
    }
    entries.push({ kind: "message", message });
  }
  for (const handoff of handoffs) entries.push({ kind: "handoff", handoff });
  return entries;
}

/** The agent's classic tapback on one part, as the picker marks it. */
function agentTapback(part: MessageView["parts"][number] | undefined): Classic | null {
  const mine = part?.reactions.find((r) => r.direction === "outbound" && r.kind !== "sticker");
  return mine && isClassic(mine.kind) ? mine.kind : null;
}

/** `highlight`: a message to scroll to and mark on arrival (the feedback review queue links here). */
export function Thread({
  initial,
  me,
  highlight,
}: {
  initial: ThreadView;
  me: { id: string; email: string };
  highlight?: string;
}) {
  // After an action, `refresh` (not a waiting poll): the action's change may have arrived already.
  const { data, refresh: mutate } = useConditionalPoll<ThreadView>(`/api/ui/conversations/${initial.id}`, initial);
  const view = data ?? initial;
  const [tapbacked, apply] = useOptimistic(view, withAgentTapback);
  const [optimistic, addPendingReply] = useOptimistic(tapbacked, withPendingReply);
  const [, startTransition] = useTransition();
  const [replyFailure, setReplyFailure] = useState<ReplyFailure | null>(null);
  const [detailsOf, setDetailsOf] = useState<string | null>(null);
  const [sandboxOpen, setSandboxOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const { typed } = usePresence(initial.id);
  const { announce, region } = useAnnouncer();

  // Keep the newest message in view, as Messages does, when the thread grows; on arrival at a
  // highlighted message, that one instead.
  const count = optimistic.messages.length;
  const arrival = useRef(highlight);
  // biome-ignore lint/correctness/useExhaustiveDependencies: count is the trigger on purpose
  useLayoutEffect(() => {
    const target = arrival.current ? document.getElementById(`message-${arrival.current}`) : null;
    arrival.current = undefined;
    if (target) target.scrollIntoView({ block: "center" });
    else list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [count]);

  const reply = (text: string) =>
    new Promise<boolean>((resolve) => {
      setReplyFailure(null);
      startTransition(async () => {
        addPendingReply({ id: `pending-${crypto.randomUUID()}`, text, createdAt: new Date().toISOString() });
        const result = await sendReply({ conversationId: view.id, text });
        // An unknown outcome is not a failure: the thread shows it as "Not confirmed yet" until
        // Tapdesk settles it, and offers no Retry (it may have been sent).
        const unconfirmed = !result.ok && result.code === "upstream_outcome_unknown";
        if (result.ok || unconfirmed) await mutate();
        else
          setReplyFailure({ message: `Your message was not sent. ${result.error}`, text, retryable: result.retryable });
        resolve(result.ok || unconfirmed);
      });
    });
  const time = useLocalFormat(TIME);
  const dayOf = useLocalFormat(DAY);
  const [failure, setFailure] = useState<{ message: string; retry?: () => void } | null>(null);

  const send = (messageId: string, partIndex: number, kind: Classic, operation: "add" | "remove") => {
    setFailure(null);
    startTransition(async () => {
      apply({ messageId, partIndex, request: { operation, kind } });
      const result = await sendTapback({ messageId, partIndex, kind, operation });
      if (result.ok) {
        await mutate();
        return;
      }
      if (result.code === "upstream_outcome_unknown") {
        await mutate();
        return;
      }
      const what =
        operation === "add"
          ? `The ${CLASSIC_LABEL[kind]} tapback was not sent.`
          : `The ${CLASSIC_LABEL[kind]} tapback was not removed.`;
      setFailure({
        message: `${what} ${result.error}`,
        retry: result.retryable ? () => send(messageId, partIndex, kind, operation) : undefined,
      });
    });
  };

  const focusable = () =>
    optimistic.messages.filter((m) => m.status !== "sending" && m.parts.length > 0).map((m) => m.id);
  const focusMessage = (id: string) => {
    setFocusedId(id);
    const bubble = list.current?.querySelector<HTMLButtonElement>(`button[data-message-id="${id}"]`);
    bubble?.focus();
    bubble?.scrollIntoView({ block: "nearest" });
  };
  /** The focused message and part: the bubble with the focus, else the last one j/k chose. */
  const focused = () => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.dataset.messageId && list.current?.contains(active)) {
      return { id: active.dataset.messageId, part: Number(active.dataset.partIndex ?? 0) };
    }
    return focusedId ? { id: focusedId, part: 0 } : null;
  };
  const authorOf = (m: MessageView) => (m.direction === "outbound" ? optimistic.agent.name : optimistic.remoteNumber);

  useThreadShortcuts({
    move: (by) => {
      const ids = focusable();
      if (ids.length === 0) return;
      const at = ids.indexOf(focused()?.id ?? "");
      // Nothing focused yet: start at the newest message, the one in view at the bottom.
      const next = at < 0 ? ids.length - 1 : Math.min(Math.max(at + by, 0), ids.length - 1);
      focusMessage(ids[next]!);
    },
    tapback: (kind) => {
      const at = focused();
      const message = at && optimistic.messages.find((m) => m.id === at.id);
      if (!at || !message || message.status === "sending") {
        announce("Focus a message first: press j or k.");
        return;
      }
      const part = message.parts.find((p) => p.index === at.part) ?? message.parts[0];
      if (!part) return;
      const current = agentTapback(part);
      const operation = toggle(current ? classic(current) : null, classic(kind)).operation;
      send(message.id, part.index, kind, operation);
      announce(
        `${CLASSIC_LABEL[kind]} ${operation === "add" ? "added to" : "removed from"} the message from ${authorOf(message)}.`,
      );
    },
    reply: () => document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]')?.focus(),
    search: () => {
      const search = document.querySelector<HTMLInputElement>('input[aria-label="Search conversations"]');
      if (search && search.offsetParent !== null) search.focus();
      else announce("The search is in the inbox: go back to the inbox to search.");
    },
    back: (fromField) => {
      if (fromField) {
        const at = focusedId ?? focusable().at(-1);
        if (at) focusMessage(at);
        else (document.activeElement as HTMLElement | null)?.blur();
        return;
      }
      if (focusedId || list.current?.contains(document.activeElement)) {
        setFocusedId(null);
        (document.activeElement as HTMLElement | null)?.blur();
        announce("Left the messages.");
      }
    },
    help: () => setHelpOpen(true),
  });

  let lastDay = "";
  return (
    <div className="relative flex min-h-0 flex-1">
      <section aria-label="Conversation" className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-3 border-b border-neutral-200 px-3 py-3 sm:px-6 dark:border-neutral-800">
          <Link
            href="/conversations"
            className="shrink-0 rounded-md px-1 py-1 text-sm font-medium text-[#0066cc] md:hidden dark:text-[#4da3ff]"
          >
            ‹ Inbox
          </Link>
          <div className="min-w-0 flex-1">
            <h1 className="truncate text-base font-semibold">{optimistic.remoteNumber}</h1>
            <p className="truncate text-xs text-neutral-600 dark:text-neutral-400">
              with {optimistic.agent.name} ({optimistic.agent.handle}) · iMessage
            </p>
            <PresenceBar presence={optimistic.presence} me={me.id} announce={announce} />
          </div>
          <div className="flex flex-wrap justify-end gap-2 text-xs">
            {optimistic.assignmentStatus === "disconnected" && <Badge tone="light-amber">Disconnected</Badge>}
            {optimistic.bridge ? (
              <Badge tone="light-grey">
                BlueBubbles: {BRIDGE_STATUS[optimistic.bridge.status] ?? optimistic.bridge.status}
              </Badge>
            ) : (
              optimistic.upstreamMode !== "ok" && <Badge tone="light-red">Upstream: {optimistic.upstreamMode}</Badge>
            )}
          </div>
          {!optimistic.bridge && (
            <Button
              variant="secondary"
              size="sm"
              aria-expanded={sandboxOpen}
              aria-controls="sandbox-panel"
              onClick={() => setSandboxOpen((o) => !o)}
              className="shrink-0 lg:hidden"
            >
              Sandbox
            </Button>
          )}
        </header>
        <div className="flex flex-wrap items-center justify-end gap-2 border-b border-neutral-200 px-3 py-2 sm:px-6 dark:border-neutral-800">
          <TakeOverControl
            conversationId={optimistic.id}
            agentName={optimistic.agent.name}
            takenOver={optimistic.takenOver}
            me={me}
            onChanged={() => mutate()}
            announce={announce}
          />
          <Button
            variant="secondary"
            size="sm"
            aria-haspopup="dialog"
            aria-keyshortcuts="?"
            onClick={() => setHelpOpen(true)}
          >
            Shortcuts
          </Button>
        </div>
        {region}
        {failure && (
          <RetryAlert
            message={failure.message}
            onRetry={failure.retry}
            onDismiss={() => setFailure(null)}
            className="mx-6 mt-3"
          />
        )}
        <ol ref={list} className="flex-1 space-y-3 overflow-y-auto px-3 pb-10 pt-6 sm:px-6" aria-label="Messages">
          {optimistic.earlierCount > 0 && (
            <li className="text-center text-xs text-neutral-600 dark:text-neutral-400">
              {optimistic.earlierCount} earlier messages are available through the API.
            </li>
          )}
          {withHandoffs(optimistic).map((entry) => {
            if (entry.kind === "handoff") {
              const h = entry.handoff;
              const who = h.by === me.email ? "You" : h.by;
              return (
                <li key={h.id} className="py-1 text-center text-xs text-neutral-600 dark:text-neutral-400">
                  {who} {h.action === "take_over" ? "took over from" : "handed back to"} {optimistic.agent.name} ·{" "}
                  {time(h.at)}
                </li>
              );
            }
            const m = entry.message;
            const day = dayOf(m.createdAt);
            const showDay = day !== lastDay;
            lastDay = day;
            const outbound = m.direction === "outbound";
            const pending = m.status === "sending";
            return (
              <li
                key={m.id}
                id={`message-${m.id}`}
                data-message={m.id}
                aria-label={`${outbound ? optimistic.agent.name : optimistic.remoteNumber}, ${time(m.createdAt)}`}
                aria-current={m.id === highlight ? "true" : undefined}
                onFocus={(e) => {
                  if (e.target instanceof HTMLElement && e.target.dataset.messageId === m.id) setFocusedId(m.id);
                }}
                className={`rounded-2xl ${
                  m.id === highlight
                    ? "bg-amber-50 p-1 ring-2 ring-amber-500 dark:bg-amber-950/40 dark:ring-amber-400"
                    : ""
                } ${focusedId === m.id ? "outline-2 outline-offset-4 outline-blue-500/70" : ""}`}
              >
                {showDay && (
                  <p className="py-2 text-center text-xs font-medium text-neutral-600 dark:text-neutral-400">{day}</p>
                )}
                <div className="space-y-0.5">
                  {m.parts.map((p, i) =>
                    pending ? (
                      <div key={p.index} className="flex justify-end">
                        <p className="max-w-[75%] whitespace-pre-wrap break-words rounded-[18px] rounded-br-md bg-[#0066cc] px-3.5 py-2 text-[15px] leading-snug text-white opacity-80">
                          {p.text}
                        </p>
                      </div>
                    ) : (
                      <Bubble
                        key={p.index}
                        message={m}
                        part={p}
                        last={i === m.parts.length - 1}
                        onPick={(kind, current) =>
                          send(m.id, p.index, kind, toggle(current ? classic(current) : null, classic(kind)).operation)
                        }
                      />
                    ),
                  )}
                </div>
                <p
                  className={`mt-1 flex items-center gap-1 text-[11px] text-neutral-600 dark:text-neutral-400 ${outbound ? "justify-end" : "justify-start"}`}
                >
                  <span id={`${m.id}-meta`}>
                    {time(m.createdAt)}
                    {outbound && STATUS_LABEL[m.status] ? ` · ${STATUS_LABEL[m.status]}` : ""}
                  </span>
                  {!pending && (
                    <button
                      type="button"
                      aria-label="Message details"
                      onClick={() => setDetailsOf(m.id)}
                      className="rounded-full px-1.5 py-0.5 text-[11px] hover:bg-neutral-100 focus-visible:ring-2 focus-visible:ring-blue-500 dark:hover:bg-neutral-800"
                    >
                      Details
                    </button>
                  )}
                </p>
                {optimistic.unconfirmed
                  .filter((u) => u.type === "reaction" && u.messageId === m.id)
                  .map((u) =>
                    u.type === "reaction" ? (
                      <p
                        key={u.id}
                        className={`mt-0.5 text-[11px] text-amber-800 dark:text-amber-300 ${outbound ? "text-left" : "text-right"}`}
                      >
                        {CLASSIC_LABEL[u.kind as Classic] ?? u.kind} tapback{u.operation === "remove" ? " removal" : ""}
                        : Not confirmed yet
                      </p>
                    ) : null,
                  )}
              </li>
            );
          })}
          {optimistic.unconfirmed.map((u) =>
            u.type === "message" ? (
              <li key={u.id} aria-label={`${optimistic.agent.name}, not confirmed yet`}>
                <div className="flex justify-end">
                  <p className="max-w-[75%] whitespace-pre-wrap break-words rounded-[18px] rounded-br-md border border-dashed border-[#0066cc] px-3.5 py-2 text-[15px] leading-snug text-[#0066cc] dark:text-[#4da3ff]">
                    {u.text}
                  </p>
                </div>
                <p className="mt-1 text-right text-[11px] text-amber-800 dark:text-amber-300">
                  Not confirmed yet: Tapdesk is checking with iMessage whether it was sent.
                </p>
              </li>
            ) : null,
          )}
        </ol>
        <ReplyComposer
          onTyping={typed}
          disabledReason={replyBlocker(optimistic)}
          failure={replyFailure}
          onSend={reply}
          onDismiss={() => setReplyFailure(null)}
        />
      </section>
      {!optimistic.bridge && (
        <SandboxPanel
          view={optimistic}
          onChanged={() => mutate()}
          open={sandboxOpen}
          onClose={() => setSandboxOpen(false)}
        />
      )}
      {helpOpen && <ShortcutsDialog onClose={() => setHelpOpen(false)} />}
      {detailsOf && (
        <MessageDetailsDialog
          messageId={detailsOf}
          version={view.etag}
          agentName={optimistic.agent.name}
          remoteNumber={optimistic.remoteNumber}
          onClose={() => setDetailsOf(null)}
        />
      )}
    </div>
  );
}
