"use client";

import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { CLASSIC, CLASSIC_LABEL, type Classic } from "@/lib/tapbacks/kinds";
import { TapbackGlyph } from "./tapback-glyph";

/**
 * The six-tapback picker. Buttons are named Love … Question; the agent's current one has
 * aria-pressed="true". Arrow keys move, Home/End jump, Escape closes.
 */
export function TapbackPicker({
  current,
  onPick,
  onClose,
  side,
  id,
}: {
  current: Classic | null;
  onPick: (kind: Classic) => void;
  onClose: () => void;
  side: "left" | "right";
  id: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  // Above the bubble, as Messages draws it; below when the scrolling area has no room above
  // (the first message), so the picker is never cut off under the thread's header.
  const [below, setBelow] = useState(false);
  const buttons = () => Array.from(ref.current?.querySelectorAll<HTMLButtonElement>("button") ?? []);

  useLayoutEffect(() => {
    const picker = ref.current;
    const area = picker && scrollingAncestor(picker);
    if (!picker || !area) return;
    if (picker.getBoundingClientRect().top < area.getBoundingClientRect().top) setBelow(true);
  }, []);

  // Flipped or not, the whole picker is brought into the scrolling area's view.
  // biome-ignore lint/correctness/useExhaustiveDependencies: again once it has flipped
  useEffect(() => {
    ref.current?.scrollIntoView?.({ block: "nearest" });
  }, [below]);

  // On open only: focus the current tapback and close on a click outside.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once when the picker opens
  useEffect(() => {
    const start = current ? CLASSIC.indexOf(current) : 0;
    buttons()[start]?.focus();
    const outside = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) onClose();
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, []);

  const onKeyDown = (e: React.KeyboardEvent) => {
    const all = buttons();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const move = (to: number) => {
      e.preventDefault();
      all[(to + all.length) % all.length]?.focus();
    };
    if (e.key === "ArrowRight" || e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") move(at - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(all.length - 1);
    else if (e.key === "Escape" || e.key === "Tab") {
      if (e.key === "Escape") e.preventDefault();
      onClose();
    }
  };

  return (
    <div
      ref={ref}
      id={id}
      role="toolbar"
      aria-label="Tapback"
      aria-orientation="horizontal"
      onKeyDown={onKeyDown}
      data-placement={below ? "below" : "above"}
      className={`absolute ${below ? "top-full mt-3" : "bottom-full mb-3"} z-40 flex gap-1 rounded-full bg-white/95 p-1.5 shadow-xl ring-1 ring-black/10 backdrop-blur dark:bg-neutral-800/95 ${
        side === "right" ? "right-0" : "left-0"
      }`}
    >
      {CLASSIC.map((kind) => {
        const pressed = current === kind;
        return (
          <button
            key={kind}
            type="button"
            aria-label={CLASSIC_LABEL[kind]}
            aria-pressed={pressed}
            title={CLASSIC_LABEL[kind]}
            onClick={() => onPick(kind)}
            className={`flex h-10 w-10 items-center justify-center rounded-full text-lg outline-none transition focus-visible:ring-2 focus-visible:ring-blue-500 ${
              pressed
                ? "bg-[#0066cc] text-white"
                : "text-neutral-500 hover:bg-neutral-100 dark:text-neutral-300 dark:hover:bg-neutral-700"
            }`}
          >
            <TapbackGlyph kind={kind} className="h-5 w-5" />
          </button>
        );
      })}
    </div>
  );
}

/** The nearest ancestor that scrolls vertically: what clips the picker. */
function scrollingAncestor(element: HTMLElement): HTMLElement | null {
  for (let at = element.parentElement; at; at = at.parentElement) {
    const overflow = getComputedStyle(at).overflowY;
    if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return at;
  }
  return null;
}
