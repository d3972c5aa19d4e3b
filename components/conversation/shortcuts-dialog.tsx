"use client";

import { useEffect, useId, useRef } from "react";
import { Button } from "../ui/button";

/** Every shortcut of the thread, with the control that does the same without a keyboard. */
export const SHORTCUTS: { keys: string[]; what: string; visible: string }[] = [
  { keys: ["j", "↓"], what: "Next message", visible: "Tab, or click a message" },
  { keys: ["k", "↑"], what: "Previous message", visible: "Shift+Tab, or click a message" },
  { keys: ["1"], what: "Love the focused message (again: remove)", visible: "the message's tapback picker" },
  { keys: ["2"], what: "Like", visible: "the tapback picker" },
  { keys: ["3"], what: "Dislike", visible: "the tapback picker" },
  { keys: ["4"], what: "Laugh", visible: "the tapback picker" },
  { keys: ["5"], what: "Emphasize", visible: "the tapback picker" },
  { keys: ["6"], what: "Question", visible: "the tapback picker" },
  { keys: ["r"], what: "Write a reply", visible: "the Message box" },
  { keys: ["/"], what: "Search conversations", visible: "the inbox's search box" },
  { keys: ["Esc"], what: "Back out: close, leave the reply, clear the focus", visible: "Close buttons" },
  { keys: ["?"], what: "This list", visible: "the Shortcuts button" },
];

/** The "Keyboard shortcuts" dialog (`?`, or the thread's Shortcuts button): modal, Escape closes. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const el = dialog.current;
    el?.showModal();
    return () => {
      el?.close();
      opener?.focus();
    };
  }, []);

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
        if (e.target === e.currentTarget) onClose();
      }}
      className="m-auto max-h-[85dvh] w-[min(32rem,calc(100vw-1.5rem))] overflow-hidden rounded-xl bg-white p-0 text-neutral-900 shadow-2xl backdrop:bg-black/40 dark:bg-neutral-900 dark:text-neutral-100"
    >
      <div className="flex max-h-[85dvh] flex-col">
        <header className="flex items-center justify-between gap-4 border-b border-neutral-200 px-5 py-3 dark:border-neutral-700">
          <h2 id={titleId} className="text-base font-semibold">
            Keyboard shortcuts
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
        <div className="overflow-y-auto px-5 py-4 text-sm">
          <p className="mb-3 text-neutral-700 dark:text-neutral-300">
            In a conversation, outside the Message and search boxes:
          </p>
          <table className="w-full border-collapse text-left">
            <thead>
              <tr className="border-b border-neutral-200 dark:border-neutral-700">
                <th scope="col" className="py-1.5 pr-3 font-semibold">
                  Key
                </th>
                <th scope="col" className="py-1.5 pr-3 font-semibold">
                  Does
                </th>
                <th scope="col" className="py-1.5 font-semibold">
                  Without the keyboard
                </th>
              </tr>
            </thead>
            <tbody>
              {SHORTCUTS.map((s) => (
                <tr key={s.what} className="border-b border-neutral-100 align-top dark:border-neutral-800">
                  <td className="whitespace-nowrap py-1.5 pr-3">
                    {s.keys.map((k, i) => (
                      <span key={k}>
                        {i > 0 && " or "}
                        <kbd className="rounded border border-neutral-300 bg-neutral-50 px-1.5 py-0.5 font-mono text-xs dark:border-neutral-600 dark:bg-neutral-800">
                          {k}
                        </kbd>
                      </span>
                    ))}
                  </td>
                  <td className="py-1.5 pr-3">{s.what}</td>
                  <td className="py-1.5 text-neutral-700 dark:text-neutral-300">{s.visible}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </dialog>
  );
}
