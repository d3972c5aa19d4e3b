import type { ReactionRequest } from "./rules";

/**
 * The phone's order (SPEC §5.0), as pure functions: changes the upstream reports carry the time
 * it recorded them (BlueBubbles' dateCreated, its ROWID breaking ties), and Tapdesk must end
 * where the phone ends whatever order the network delivers them in.
 *
 * On the phone a slot's result depends on its changes in their own order: the last addition
 * is live, unless a later removal *of its kind* took it away (rule 3: a removal of another
 * kind changes nothing). So it is not enough to keep the newest change and ignore older ones
 * — a removal of another kind is newer but decides nothing. A slot keeps instead the time of
 * its newest addition and, per kind, the time of its newest removal; with those, a change
 * delivered late is placed where it happened:
 *
 * - an addition older than the newest addition is past: it changes nothing;
 * - an addition newer than it is live — unless a removal of its kind, newer still, was seen:
 *   then the addition was taken away on the phone, and the slot ends empty;
 * - a removal older than the newest addition is past; a newer one removes what is live if it
 *   is of its kind (the live tapback then is the newest addition's).
 */

/** The upstream's clock for a change: time (epoch ms), then row. */
export interface ObservedTime {
  at: number;
  rowid: number | null;
}

/** What a slot has seen of the upstream's changes. */
export interface ObservedState {
  /** The newest addition applied (or found past). */
  add: ObservedTime | null;
  /** Per removal key (`removalKey`), the newest removal seen. */
  removals: Record<string, ObservedTime>;
}

export interface ObservedChange {
  operation: "add" | "remove";
  kind?: string;
  customEmoji?: string | null;
}

export const NOTHING_OBSERVED: ObservedState = { add: null, removals: {} };

/** Negative when `a` happened before `b`: time, then row (a missing row sorts first). */
export function compareObserved(a: ObservedTime, b: ObservedTime): number {
  return a.at - b.at || (a.rowid ?? -1) - (b.rowid ?? -1);
}

function newer(a: ObservedTime | null | undefined, b: ObservedTime): ObservedTime {
  return a && compareObserved(a, b) > 0 ? a : b;
}

/** A removal's key: its kind, and for a custom emoji its emoji (`custom` alone: any custom emoji). */
export function removalKey(kind: string | undefined, customEmoji?: string | null): string {
  if (!kind) return "*";
  return kind === "custom" && customEmoji ? `custom:${customEmoji}` : kind;
}

/** The removal keys that take away an addition of this kind. */
function keysRemoving(kind: string | undefined, customEmoji?: string | null): string[] {
  const keys = ["*", removalKey(kind, customEmoji)];
  if (kind === "custom" && customEmoji) keys.push("custom");
  return keys;
}

/** The slot's state once `change`, made at `time`, has been seen (applied or found past). */
export function noteObserved(state: ObservedState, change: ObservedChange, time: ObservedTime): ObservedState {
  if (change.operation === "add") return { add: newer(state.add, time), removals: state.removals };
  const key = removalKey(change.kind, change.customEmoji);
  return { add: state.add, removals: { ...state.removals, [key]: newer(state.removals[key], time) } };
}

/**
 * Where an observed change made at `time` lands: the request to decide against what is live
 * (null when it is past and changes nothing), and the slot's state after it.
 */
export function placeObserved(
  state: ObservedState,
  request: ReactionRequest,
  time: ObservedTime,
): { request: ReactionRequest | null; next: ObservedState } {
  const next = noteObserved(state, request, time);
  if (state.add && compareObserved(state.add, time) > 0) return { request: null, next };
  if (request.operation === "add") {
    const removedLater = keysRemoving(request.kind, request.customEmoji).some((key) => {
      const removal = state.removals[key];
      return removal !== undefined && compareObserved(removal, time) > 0;
    });
    // Added here, taken away by a removal already seen: on the phone the slot ends empty.
    if (removedLater) return { request: { operation: "remove" }, next };
  }
  return { request, next };
}
