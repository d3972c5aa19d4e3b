"use client";

import { useId, useState } from "react";
import { RetryAlert } from "../ui/retry-alert";

export interface ReplyFailure {
  message: string;
  text: string;
  retryable: boolean;
}

/**
 * The composer under the thread: Enter sends, Shift+Enter starts a new line; the lines
 * stay one message. When replies cannot go out (`disabledReason`) it says why instead.
 */
export function ReplyComposer({
  disabledReason,
  failure,
  onSend,
  onDismiss,
  onTyping,
}: {
  disabledReason: string | null;
  /** Each keystroke in the box (presence: "writing a reply"). */
  onTyping?: () => void;
  failure: ReplyFailure | null;
  /** Resolves false when the message was not sent (the draft then comes back if the box is empty). */
  onSend: (text: string) => Promise<boolean>;
  onDismiss: () => void;
}) {
  const [draft, setDraft] = useState("");
  const hintId = useId();
  const disabled = disabledReason !== null;

  const send = (text: string) => {
    if (!text.trim() || disabled) return;
    setDraft((d) => (d === text ? "" : d));
    onSend(text).then((sent) => {
      if (!sent) setDraft((d) => (d === "" ? text : d));
    });
  };

  return (
    <div className="border-t border-neutral-200 px-3 py-3 sm:px-6 dark:border-neutral-800">
      {failure && (
        <RetryAlert
          message={failure.message}
          onRetry={failure.retryable ? () => send(failure.text) : undefined}
          onDismiss={onDismiss}
          className="mb-2"
        />
      )}
      {disabled && (
        <p id={hintId} className="mb-2 text-sm text-amber-900 dark:text-amber-200">
          {disabledReason}
        </p>
      )}
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          send(draft);
        }}
      >
        <textarea
          aria-label="Message"
          aria-describedby={disabled ? hintId : undefined}
          rows={1}
          value={draft}
          disabled={disabled}
          maxLength={10_000}
          placeholder={disabled ? "Replies are off" : "iMessage"}
          onChange={(e) => {
            setDraft(e.target.value);
            onTyping?.();
          }}
          onKeyDown={(e) => {
            // Enter sends; Shift+Enter (and Enter while an input method composes) is a new line.
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              send(draft);
            }
          }}
          className="field-sizing-content max-h-40 min-h-10 min-w-0 flex-1 resize-none rounded-2xl border border-neutral-300 bg-white px-4 py-2 text-[15px] leading-snug outline-none placeholder:text-neutral-500 focus-visible:border-blue-500 focus-visible:ring-2 focus-visible:ring-blue-500/40 disabled:cursor-not-allowed disabled:bg-neutral-100 dark:border-neutral-700 dark:bg-neutral-900 dark:placeholder:text-neutral-400 dark:disabled:bg-neutral-800"
        />
        <button
          type="submit"
          disabled={disabled || !draft.trim()}
          className="h-10 shrink-0 rounded-full bg-[#0066cc] px-4 text-sm font-semibold text-white hover:bg-[#004f9e] disabled:cursor-not-allowed disabled:opacity-50"
        >
          Send
        </button>
      </form>
    </div>
  );
}
