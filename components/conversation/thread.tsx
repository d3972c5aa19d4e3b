"use client";

import { useOptimistic, useState, useTransition } from "react";
import { sendTapback } from "@/app/(app)/conversations/[id]/actions";
import { useConditionalPoll } from "@/lib/client/use-conditional-poll";
import type { ThreadView } from "@/lib/conversations/view";
import { CLASSIC_LABEL, type Classic, type TapbackKind } from "@/lib/tapbacks/kinds";
import { decide, type ReactionRequest, toggle } from "@/lib/tapbacks/rules";
import { SandboxPanel } from "../sandbox/sandbox-panel";
import { useLocalFormat } from "../ui/local-time";
import { Bubble } from "./bubble";

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

const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };
const DAY: Intl.DateTimeFormatOptions = { weekday: "short", month: "short", day: "numeric" };
const STATUS_LABEL: Record<string, string> = {
  queued: "Queued",
  sent: "Sent",
  delivered: "Delivered",
  failed: "Not delivered",
  received: "",
};

export function Thread({ initial }: { initial: ThreadView }) {
  const { data, mutate } = useConditionalPoll<ThreadView>(`/api/ui/conversations/${initial.id}`, initial);
  const view = data ?? initial;
  const [optimistic, apply] = useOptimistic(view, withAgentTapback);
  const [, startTransition] = useTransition();
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

  let lastDay = "";
  return (
    <div className="flex min-h-0 flex-1">
      <section aria-label="Conversation" className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-neutral-200 px-6 py-3 dark:border-neutral-800">
          <div className="min-w-0">
            <h1 className="truncate text-base font-semibold">{optimistic.remoteNumber}</h1>
            <p className="truncate text-xs text-neutral-500 dark:text-neutral-400">
              with {optimistic.agent.name} ({optimistic.agent.handle}) · iMessage
            </p>
          </div>
          <div className="flex gap-2 text-xs">
            {optimistic.assignmentStatus === "disconnected" && (
              <span className="rounded-full bg-amber-100 px-2 py-0.5 font-medium text-amber-900">Disconnected</span>
            )}
            {optimistic.bridge ? (
              <span className="rounded-full bg-neutral-100 px-2 py-0.5 font-medium text-neutral-800">
                BlueBubbles: {BRIDGE_STATUS[optimistic.bridge.status] ?? optimistic.bridge.status}
              </span>
            ) : (
              optimistic.upstreamMode !== "ok" && (
                <span className="rounded-full bg-red-100 px-2 py-0.5 font-medium text-red-900">
                  Upstream: {optimistic.upstreamMode}
                </span>
              )
            )}
          </div>
        </header>
        {failure && (
          <div
            role="alert"
            className="mx-6 mt-3 flex items-center gap-3 rounded-lg border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-900"
          >
            <p className="flex-1">{failure.message}</p>
            {failure.retry && (
              <button
                type="button"
                onClick={failure.retry}
                className="rounded-md bg-red-600 px-3 py-1 font-medium text-white hover:bg-red-700"
              >
                Retry
              </button>
            )}
            <button type="button" onClick={() => setFailure(null)} className="text-red-700 underline">
              Dismiss
            </button>
          </div>
        )}
        <ol className="flex-1 space-y-3 overflow-y-auto px-6 pb-10 pt-6" aria-label="Messages">
          {optimistic.earlierCount > 0 && (
            <li className="text-center text-xs text-neutral-500 dark:text-neutral-400">
              {optimistic.earlierCount} earlier messages are available through the API.
            </li>
          )}
          {optimistic.messages.map((m) => {
            const day = dayOf(m.createdAt);
            const showDay = day !== lastDay;
            lastDay = day;
            const outbound = m.direction === "outbound";
            return (
              <li
                key={m.id}
                aria-label={`${outbound ? optimistic.agent.name : optimistic.remoteNumber}, ${time(m.createdAt)}`}
              >
                {showDay && (
                  <p className="py-2 text-center text-xs font-medium text-neutral-500 dark:text-neutral-400">{day}</p>
                )}
                <div className="space-y-0.5">
                  {m.parts.map((p, i) => (
                    <Bubble
                      key={p.index}
                      message={m}
                      part={p}
                      last={i === m.parts.length - 1}
                      onPick={(kind, current) =>
                        send(m.id, p.index, kind, toggle(current ? classic(current) : null, classic(kind)).operation)
                      }
                    />
                  ))}
                </div>
                <p
                  id={`${m.id}-meta`}
                  className={`mt-1 text-[11px] text-neutral-500 dark:text-neutral-400 ${outbound ? "text-right" : "text-left"}`}
                >
                  {time(m.createdAt)}
                  {outbound && STATUS_LABEL[m.status] ? ` · ${STATUS_LABEL[m.status]}` : ""}
                </p>
              </li>
            );
          })}
        </ol>
      </section>
      {!optimistic.bridge && <SandboxPanel view={optimistic} onChanged={() => mutate()} />}
    </div>
  );
}
