"use client";

import { useId, useRef, useState } from "react";
import type { MessageView, PartView } from "@/lib/conversations/view";
import type { Classic } from "@/lib/tapbacks/kinds";
import { isClassic } from "@/lib/tapbacks/rules";
import { Stickers, TapbackBadges } from "./reaction-badges";
import { TapbackPicker } from "./tapback-picker";

/**
 * One part of a message as its own bubble: outbound right and blue, inbound left and
 * grey. The bubble is the button that opens the tapback picker.
 */
export function Bubble({
  message,
  part,
  last,
  onPick,
}: {
  message: MessageView;
  part: PartView;
  /** The last part of the message carries the tail. */
  last: boolean;
  onPick: (kind: Classic, current: Classic | null) => void;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const pickerId = useId();
  const outbound = message.direction === "outbound";
  const mine = part.reactions.find((r) => r.direction === "outbound" && r.kind !== "sticker");
  const current = mine && isClassic(mine.kind) ? mine.kind : null;

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  return (
    // The room above for the badges' overhang is kept whether or not there are badges, so a
    // tapback arriving never moves what the operator is reading (the space between messages
    // already gives most of it to a message's first part).
    <div
      className={`relative flex ${outbound ? "justify-end" : "justify-start"} ${part.index === 0 ? "mt-1.5" : "mt-4"}`}
    >
      <div className="relative max-w-[75%]">
        <button
          ref={button}
          type="button"
          aria-haspopup="true"
          aria-expanded={open}
          aria-controls={open ? pickerId : undefined}
          aria-describedby={`${message.id}-meta`}
          onClick={() => setOpen((o) => !o)}
          data-message-id={message.id}
          data-part-index={part.index}
          className={`block w-full cursor-pointer whitespace-pre-wrap break-words text-left text-[15px] leading-snug outline-none transition focus-visible:ring-2 focus-visible:ring-offset-2 focus-visible:ring-blue-500 ${
            part.type === "attachment" ? "overflow-hidden rounded-2xl p-0" : "rounded-[18px] px-3.5 py-2"
          } ${
            outbound ? "bg-[#0066cc] text-white" : "bg-[#e9e9eb] text-black dark:bg-neutral-800 dark:text-neutral-100"
          } ${last && part.type === "text" ? (outbound ? "rounded-br-md" : "rounded-bl-md") : ""} ${
            message.status === "failed" ? "opacity-60" : ""
          }`}
        >
          {part.type === "attachment" && part.attachment ? (
            part.attachment.mimeType.startsWith("image/") ? (
              // biome-ignore lint/performance/noImgElement: attachments are arbitrary URLs
              <img
                src={part.attachment.url}
                alt={part.attachment.fileName}
                className="block max-h-64 min-w-24 max-w-full"
              />
            ) : (
              <span className="block px-3.5 py-2 underline">{part.attachment.fileName}</span>
            )
          ) : (
            part.text
          )}
        </button>
        <TapbackBadges reactions={part.reactions} side={outbound ? "left" : "right"} />
        {/* A click through a sticker opens the picker: the sticker's hover tooltip then gives way to it. */}
        <Stickers reactions={part.reactions} quiet={open} />
        {open && (
          <TapbackPicker
            id={pickerId}
            current={current}
            side={outbound ? "right" : "left"}
            onClose={close}
            onPick={(kind) => {
              close();
              onPick(kind, current);
            }}
          />
        )}
      </div>
    </div>
  );
}
