import type { Classic } from "@/lib/tapbacks/kinds";

/** The classic six as iMessage draws them: heart, thumbs, "HA HA", "!!", "?". */
export function TapbackGlyph({ kind, className = "" }: { kind: Classic; className?: string }) {
  switch (kind) {
    case "love":
      return (
        <svg viewBox="0 0 24 24" className={className} aria-hidden="true" fill="currentColor">
          <path d="M12 21s-7.5-4.6-9.6-9.1C.9 8.6 2.8 4.5 6.6 4.5c2.2 0 3.7 1.2 5.4 3.1 1.7-1.9 3.2-3.1 5.4-3.1 3.8 0 5.7 4.1 4.2 7.4C19.5 16.4 12 21 12 21z" />
        </svg>
      );
    case "like":
    case "dislike":
      return (
        <svg
          viewBox="0 0 24 24"
          className={`${className} ${kind === "dislike" ? "rotate-180 -scale-x-100" : ""}`}
          aria-hidden="true"
          fill="currentColor"
        >
          <path d="M2 10.5h4v11H2zM8 21.5V10.8l4.6-7.6c.4-.7 1.3-.9 2-.5.9.5 1.3 1.5 1 2.5L14.5 9h5.3c1.4 0 2.4 1.3 2.1 2.6l-1.9 8.1c-.2 1-1.1 1.8-2.1 1.8H8z" />
        </svg>
      );
    case "laugh":
      // Drawn as paths, not text: the letters must not read as the button's visible label.
      return (
        <svg
          viewBox="0 0 22 24"
          className={className}
          aria-hidden="true"
          fill="none"
          stroke="currentColor"
          strokeWidth="2.6"
          strokeLinejoin="round"
        >
          <path d="M3 2.5V10.5M9 2.5V10.5M3 6.5H9M12 10.5L15.5 2.5L19 10.5M13.4 7.3H17.6M3 13.5V21.5M9 13.5V21.5M3 17.5H9M12 21.5L15.5 13.5L19 21.5M13.4 18.3H17.6" />
        </svg>
      );
    case "emphasize":
      return (
        <span
          aria-hidden="true"
          className={`${className} flex items-center justify-center font-black tracking-[-0.1em] text-[0.85em]`}
        >
          !!
        </span>
      );
    case "question":
      return (
        <span aria-hidden="true" className={`${className} flex items-center justify-center font-black text-[0.9em]`}>
          ?
        </span>
      );
  }
}
