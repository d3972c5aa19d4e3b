"use client";

import { useEffect, useId, useRef, useState } from "react";
import { loadMessageDetails } from "@/app/(app)/conversations/[id]/actions";
import type { DetailsChange, MessageDetails } from "@/lib/audit/details";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { useLocalFormat } from "../ui/local-time";
import { SmallHeading } from "../ui/small-heading";
import { actorPhrase } from "./actor-phrase";
import { reactionWhat } from "./reaction-badges";

const WHEN: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "medium" };

const ACTION_LABEL: Record<DetailsChange["action"], string> = { add: "Added", replace: "Replaced", remove: "Removed" };

/**
 * The "Message details" dialog: each part's live reactions with who placed them and when,
 * and each slot's history from the audit trail. A modal <dialog>: focus moves in, the page
 * behind is inert, Escape closes, and focus returns to the button that opened it.
 */
export function MessageDetailsDialog({
  messageId,
  version,
  agentName,
  remoteNumber,
  onClose,
}: {
  messageId: string;
  /** The thread's ETag: a change in the thread reloads the details, so they stay live. */
  version: string;
  agentName: string;
  remoteNumber: string;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const when = useLocalFormat(WHEN);
  const [details, setDetails] = useState<MessageDetails | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const el = dialog.current;
    el?.showModal();
    return () => {
      el?.close();
      opener?.focus();
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version is the reload trigger on purpose
  useEffect(() => {
    let current = true;
    loadMessageDetails({ messageId }).then((result) => {
      if (!current) return;
      if (result.ok) {
        setDetails(result.data);
        setError("");
      } else setError(result.error);
    });
    return () => {
      current = false;
    };
  }, [messageId, version]);

  const who = (direction: string) => (direction === "outbound" ? agentName : remoteNumber);
  const what = (kind: string, customEmoji: string | null) => reactionWhat({ kind, customEmoji });

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard closes it with Escape (the cancel event); the click is the backdrop's
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (e.target === e.currentTarget) onClose();
      }}
      className="m-auto max-h-[85dvh] w-[min(40rem,calc(100vw-1.5rem))] overflow-hidden rounded-xl bg-white p-0 text-neutral-900 shadow-2xl backdrop:bg-black/40 dark:bg-neutral-900 dark:text-neutral-100"
    >
      <div className="flex max-h-[85dvh] flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-neutral-200 px-5 py-3 dark:border-neutral-700">
          <h2 id={titleId} className="text-base font-semibold">
            Message details
          </h2>
          <Button
            variant="ghost"
            size="sm"
            onClick={onClose}
            className="focus-visible:ring-2 focus-visible:ring-blue-500"
          >
            Close
          </Button>
        </header>
        <div className="space-y-5 overflow-y-auto px-5 py-4 text-sm">
          <Alert>{error}</Alert>
          {!details && !error && <p className="text-neutral-600 dark:text-neutral-400">Loading…</p>}
          {details && (
            <>
              <p className="text-neutral-700 dark:text-neutral-300">
                {details.direction === "outbound" ? `Sent by ${agentName}` : `Received from ${remoteNumber}`},{" "}
                {when(details.createdAt)}.
              </p>
              {details.parts.map((part) => (
                <section
                  key={part.index}
                  aria-labelledby={`${titleId}-part-${part.index}`}
                  className="space-y-3 rounded-lg border border-neutral-200 p-3 dark:border-neutral-700"
                >
                  <h3 id={`${titleId}-part-${part.index}`} className="font-semibold">
                    {details.parts.length > 1 ? `Part ${part.index + 1}: ` : ""}
                    <span className="font-normal text-neutral-700 dark:text-neutral-300">
                      “{part.summary.length > 80 ? `${part.summary.slice(0, 80)}…` : part.summary}”
                    </span>
                  </h3>
                  <div>
                    <SmallHeading as="h4">Reactions now</SmallHeading>
                    {part.reactions.length === 0 ? (
                      <p className="text-neutral-600 dark:text-neutral-400">None.</p>
                    ) : (
                      <ul className="mt-1 space-y-1">
                        {part.reactions.map((r) => (
                          <li key={r.id}>
                            <span className="font-medium">{what(r.kind, r.customEmoji)}</span> from {who(r.direction)},
                            placed {actorPhrase(r.placedBy, remoteNumber)}, {when(r.createdAt)}
                          </li>
                        ))}
                      </ul>
                    )}
                  </div>
                  {part.slots.length > 0 && (
                    <div>
                      <SmallHeading as="h4">History</SmallHeading>
                      {part.slots.map((slot) => (
                        <div key={slot.id} className="mt-2">
                          <p className="font-medium">
                            {slot.sticker ? "A sticker" : "Tapbacks"} from {who(slot.direction)}
                          </p>
                          <ol className="mt-1 space-y-1 border-l-2 border-neutral-200 pl-3 dark:border-neutral-700">
                            {slot.changes.map((c) => (
                              <li key={c.id}>
                                <span className="font-mono text-xs text-neutral-600 dark:text-neutral-400">
                                  <span className="sr-only">Sequence </span>#{c.sequence}
                                </span>{" "}
                                {ACTION_LABEL[c.action]} {what(c.kind, c.customEmoji)}
                                {c.action === "replace" && c.previousKind
                                  ? ` (was ${what(c.previousKind, c.previousEmoji)})`
                                  : ""}{" "}
                                {actorPhrase(c.actor, remoteNumber)}, {when(c.createdAt)}
                              </li>
                            ))}
                          </ol>
                        </div>
                      ))}
                    </div>
                  )}
                </section>
              ))}
              {details.truncated && (
                <p className="text-neutral-600 dark:text-neutral-400">
                  Older changes are left out here; GET /api/v1/messages/{details.id}/reaction-changes lists them all.
                </p>
              )}
            </>
          )}
        </div>
      </div>
    </dialog>
  );
}
