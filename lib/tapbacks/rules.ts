import type { TapbackKind } from "./kinds";

/**
 * The rules of SPEC §2 as pure functions: given what is live in one tapback slot
 * (message, part, sender) and what is asked, decide what happens. The service applies
 * the decision atomically; nothing here touches a database.
 */
export interface Tapback {
  kind: TapbackKind;
  customEmoji: string | null;
}

export type Request =
  | { operation: "add"; tapback: Tapback }
  /** `match`: remove only when the live tapback is this one (the operation form's `type`). */
  | { operation: "remove"; match?: Tapback | { kind: TapbackKind; customEmoji?: null } };

export type Decision =
  | { action: "add"; next: Tapback }
  | { action: "replace"; previous: Tapback; next: Tapback }
  | { action: "remove"; previous: Tapback }
  | { action: "noop" };

export function sameTapback(a: Tapback, b: Tapback): boolean {
  return a.kind === b.kind && (a.kind !== "custom" || a.customEmoji === b.customEmoji);
}

function matches(live: Tapback, match: { kind: TapbackKind; customEmoji?: string | null }): boolean {
  if (live.kind !== match.kind) return false;
  // A remove of "custom" without an emoji takes whichever custom emoji is live.
  return live.kind !== "custom" || !match.customEmoji || match.customEmoji === live.customEmoji;
}

export function decide(live: Tapback | null, request: Request): Decision {
  if (request.operation === "add") {
    const next = normalize(request.tapback);
    if (!live) return { action: "add", next };
    if (sameTapback(live, next)) return { action: "noop" };
    return { action: "replace", previous: live, next };
  }
  if (!live) return { action: "noop" };
  if (request.match && !matches(live, request.match)) return { action: "noop" };
  return { action: "remove", previous: live };
}

/** The dashboard's toggle: picking the live tapback removes it, any other replaces it. */
export function toggle(live: Tapback | null, picked: Tapback): Request {
  return live && sameTapback(live, picked)
    ? { operation: "remove", match: picked }
    : { operation: "add", tapback: picked };
}

function normalize(t: Tapback): Tapback {
  return { kind: t.kind, customEmoji: t.kind === "custom" ? t.customEmoji : null };
}
