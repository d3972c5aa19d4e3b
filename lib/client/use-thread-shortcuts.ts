"use client";

import { useEffect, useRef } from "react";
import { CLASSIC, type Classic } from "../tapbacks/kinds";

export interface ThreadShortcuts {
  /** The message to focus, by how far from the focused one (+1 next, -1 previous). */
  move(by: 1 | -1): void;
  tapback(kind: Classic): void;
  reply(): void;
  search(): void;
  /** Escape outside a dialog or picker: leave the reply box, else clear the message focus. */
  back(fromField: boolean): void;
  help(): void;
}

/** Where typing goes: no shortcut may take its keys. */
function isField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(target.type);
  }
  return false;
}

/**
 * The thread's keyboard (SPEC §11, docs/dashboard.md "Keyboard"): j/k and ↓/↑ move between
 * messages, 1–6 tapback the focused one, r the reply, / the search, Escape backs out, ? lists
 * them. Nothing fires while a field has the focus (but Escape, which leaves it), while a modal
 * dialog or the tapback picker is open (they own their keys), or with Ctrl, Alt or Meta held.
 */
export function useThreadShortcuts(actions: ThreadShortcuts) {
  const latest = useRef(actions);
  latest.current = actions;

  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      if (document.querySelector("dialog[open]")) return;
      const target = e.target as HTMLElement | null;
      if (target?.closest?.('[role="toolbar"]')) return;
      const a = latest.current;
      if (isField(target)) {
        if (e.key === "Escape" && target?.getAttribute("aria-label") === "Message") {
          e.preventDefault();
          a.back(true);
        }
        return;
      }
      const digit = CLASSIC[Number(e.key) - 1];
      if (/^[1-6]$/.test(e.key) && digit) {
        e.preventDefault();
        a.tapback(digit);
        return;
      }
      switch (e.key) {
        case "j":
        case "ArrowDown":
          e.preventDefault();
          a.move(1);
          break;
        case "k":
        case "ArrowUp":
          e.preventDefault();
          a.move(-1);
          break;
        case "r":
          e.preventDefault();
          a.reply();
          break;
        case "/":
          e.preventDefault();
          a.search();
          break;
        case "?":
          e.preventDefault();
          a.help();
          break;
        case "Escape":
          a.back(false);
          break;
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);
}
