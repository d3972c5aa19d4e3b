"use client";

import { useEffect, useRef, useState } from "react";
import type { ReactionView } from "@/lib/conversations/view";
import { CLASSIC_LABEL, type Classic } from "@/lib/tapbacks/kinds";
import { isClassic } from "@/lib/tapbacks/rules";
import { useLocalFormat } from "../ui/local-time";
import { TapbackGlyph } from "./tapback-glyph";

/**
 * What a reaction is, in words: the tapback's name, the emoji, or "Sticker". Part of its accessible
 * name (docs/dashboard.md).
 */
export function reactionWhat(r: Pick<ReactionView, "kind" | "customEmoji">): string {
  if (isClassic(r.kind)) return CLASSIC_LABEL[r.kind];
  if (r.kind === "custom") return r.customEmoji ?? "Emoji";
  return "Sticker";
}

export function reactionName(r: ReactionView): string {
  return `${reactionWhat(r)} by ${r.by}`;
}

const TOOLTIP_TIME: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };

function Tooltip({ r }: { r: ReactionView }) {
  const format = useLocalFormat(TOOLTIP_TIME);
  const changed = r.updatedAt !== r.createdAt;
  return (
    <span
      role="tooltip"
      className="pointer-events-none absolute bottom-full left-1/2 z-30 mb-1 hidden -translate-x-1/2 whitespace-nowrap rounded-md bg-neutral-900 px-2 py-1 text-xs font-normal text-white shadow-lg group-hover:block group-focus-visible:block group-focus:block group-[.is-hovered]:block"
    >
      {reactionName(r)} · {format(r.createdAt)}
      {changed ? ` (changed ${format(r.updatedAt)})` : ""}
    </span>
  );
}

/**
 * The badges on a bubble's top corner: one per sender, stacked with a slight overlap,
 * the agent's own in blue as iMessage draws "mine". Focus or hover tells who and when.
 */
export function TapbackBadges({ reactions, side }: { reactions: ReactionView[]; side: "left" | "right" }) {
  const tapbacks = reactions.filter((r) => r.kind !== "sticker");
  if (tapbacks.length === 0) return null;
  return (
    <div
      className={`absolute -top-4 z-10 flex ${side === "left" ? "-left-3 flex-row" : "-right-3 flex-row-reverse"}`}
      data-testid="badges"
    >
      {tapbacks.map((r, i) => {
        const mine = r.direction === "outbound";
        return (
          <span
            key={r.id}
            role="img"
            tabIndex={0}
            aria-label={reactionName(r)}
            data-kind={r.kind}
            className={`group relative flex h-8 w-8 items-center justify-center rounded-full border-2 border-white text-base shadow-sm outline-none focus-visible:ring-2 focus-visible:ring-blue-500 dark:border-neutral-950 ${
              mine ? "bg-[#0066cc] text-white" : "bg-[#e9e9eb] text-[#636366] dark:bg-neutral-700 dark:text-neutral-200"
            } ${i > 0 ? (side === "left" ? "-ml-3" : "-mr-3") : ""}`}
            style={{ zIndex: tapbacks.length - i }}
          >
            {isClassic(r.kind) ? (
              <TapbackGlyph
                kind={r.kind as Classic}
                className={`h-4 w-4 ${!mine && r.kind === "love" ? "text-[#ff2d55]" : ""}`}
              />
            ) : (
              <span aria-hidden="true" className="text-[1.05rem] leading-none">
                {r.customEmoji}
              </span>
            )}
            <Tooltip r={r} />
          </span>
        );
      })}
    </div>
  );
}

const MAX_STICKER_PX = 160;

const tilt = (i: number) => `rotate(${(i % 2 ? 1 : -1) * 8}deg)`;

/** The sticker under a pointer at (x, y) inside `container`, if any (stickers take no pointer events themselves). */
function stickerAt(container: HTMLElement, x: number, y: number): HTMLElement | null {
  let over: HTMLElement | null = null;
  for (const el of container.querySelectorAll<HTMLElement>("[data-sticker-id]")) {
    const box = el.getBoundingClientRect();
    if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) over = el;
  }
  return over;
}

/**
 * Stickers sit over the bubble at their own size (capped so one cannot cover the thread).
 * They never take a click or a tap: pointer events pass through to the bubble (or whatever
 * lies under them). So that hovering still tells who placed one, the bubble's container
 * watches the pointer and shows the tooltip of the sticker under it; keyboard focus shows it too.
 */
export function Stickers({ reactions, quiet = false }: { reactions: ReactionView[]; quiet?: boolean }) {
  const stickers = reactions.filter((r) => r.kind === "sticker" && r.sticker);
  const layer = useRef<HTMLSpanElement>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const [failed, setFailed] = useState<ReadonlySet<string>>(new Set());
  const count = stickers.length;

  useEffect(() => {
    const container = layer.current?.parentElement;
    if (!container || count === 0) return;
    const move = (e: PointerEvent) => {
      const over = layer.current && stickerAt(container, e.clientX, e.clientY);
      setHovered(over?.dataset.stickerId ?? null);
    };
    const leave = () => setHovered(null);
    container.addEventListener("pointermove", move);
    container.addEventListener("pointerleave", leave);
    return () => {
      container.removeEventListener("pointermove", move);
      container.removeEventListener("pointerleave", leave);
    };
  }, [count]);

  if (count === 0) return null;
  return (
    <span ref={layer} className="contents">
      {stickers.map((r, i) => {
        const s = r.sticker!;
        const scale = Math.min(1, MAX_STICKER_PX / Math.max(s.width, s.height, 1));
        const width = Math.max(24, Math.round(s.width * scale));
        const height = Math.max(24, Math.round(s.height * scale));
        return (
          <span
            key={r.id}
            data-sticker-id={r.id}
            role="img"
            aria-label={reactionName(r)}
            tabIndex={0}
            className={`group pointer-events-none absolute z-20 rounded-lg outline-none focus-visible:ring-2 focus-visible:ring-blue-500 ${hovered === r.id && !quiet ? "is-hovered" : ""}`}
            style={{ left: `${20 + i * 18}%`, top: "50%", transform: "translateY(-50%)" }}
          >
            {failed.has(r.id) ? (
              <span
                className="flex flex-col items-center justify-center gap-1 rounded-lg border border-dashed border-neutral-400 bg-neutral-100/90 text-[11px] font-medium text-neutral-700 dark:border-neutral-500 dark:bg-neutral-800/90 dark:text-neutral-200"
                style={{ width, height, transform: tilt(i) }}
              >
                <StickerIcon />
                {width >= 56 && height >= 48 ? "Sticker" : null}
              </span>
            ) : (
              // biome-ignore lint/performance/noImgElement: stickers are arbitrary remote images at their own size
              <img
                src={s.url}
                alt=""
                width={width}
                height={height}
                className="drop-shadow-md"
                // The sticker is tilted as if stuck on, its tooltip (a sibling) stays level.
                style={{ transform: tilt(i) }}
                draggable={false}
                onError={() => setFailed((f) => new Set(f).add(r.id))}
                // An image that failed before hydration fired its error event too early to be heard.
                ref={(img) => {
                  if (img?.complete && img.naturalWidth === 0)
                    setFailed((f) => (f.has(r.id) ? f : new Set(f).add(r.id)));
                }}
              />
            )}
            <Tooltip r={r} />
          </span>
        );
      })}
    </span>
  );
}

/** A peeled-corner square: the placeholder of a sticker whose image did not load. */
function StickerIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.5">
      <path d="M5 4h10l5 5v10a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1Z" />
      <path d="M15 4v4a1 1 0 0 0 1 1h4" />
    </svg>
  );
}
