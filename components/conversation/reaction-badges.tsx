import type { ReactionView } from "@/lib/conversations/view";
import { CLASSIC_LABEL, type Classic, isClassic } from "@/lib/tapbacks/kinds";
import { useLocalFormat } from "../ui/local-time";
import { TapbackGlyph } from "./tapback-glyph";

/** What a reaction is, in words: the tapback's name, the emoji, or "Sticker" (SPEC §6). */
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
      className="pointer-events-none absolute bottom-full left-1/2 z-30 mb-1 hidden -translate-x-1/2 whitespace-nowrap rounded-md bg-neutral-900 px-2 py-1 text-xs font-normal text-white shadow-lg group-hover:block group-focus-visible:block group-focus:block"
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
              mine ? "bg-[#0066cc] text-white" : "bg-[#e9e9eb] text-[#8e8e93] dark:bg-neutral-700 dark:text-neutral-200"
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

/** Stickers sit over the bubble at their own size (capped so one cannot cover the thread). */
export function Stickers({ reactions }: { reactions: ReactionView[] }) {
  const stickers = reactions.filter((r) => r.kind === "sticker" && r.sticker);
  if (stickers.length === 0) return null;
  return (
    <>
      {stickers.map((r, i) => {
        const s = r.sticker!;
        const scale = Math.min(1, MAX_STICKER_PX / Math.max(s.width, s.height));
        return (
          <span
            key={r.id}
            tabIndex={0}
            className="group absolute z-20 outline-none focus-visible:ring-2 focus-visible:ring-blue-500"
            style={{
              left: `${20 + i * 18}%`,
              top: "50%",
              transform: `translateY(-50%) rotate(${(i % 2 ? 1 : -1) * 8}deg)`,
            }}
          >
            {/* biome-ignore lint/performance/noImgElement: stickers are arbitrary remote images at their own size */}
            <img
              src={s.url}
              alt={reactionName(r)}
              width={Math.round(s.width * scale)}
              height={Math.round(s.height * scale)}
              className="pointer-events-auto drop-shadow-md"
              draggable={false}
            />
            <Tooltip r={r} />
          </span>
        );
      })}
    </>
  );
}
