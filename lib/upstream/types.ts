import type { Tx } from "../db/client";

/**
 * Delivery to iMessage (SPEC §5). The sandbox is the default; real bridges implement the
 * same interface. Calls run inside the transaction of the change they deliver, so a
 * failure rolls the change back: `tx` is that transaction, for upstreams that keep
 * state in the database (the sandbox keeps its fault mode there).
 */
export interface ReactionDelivery {
  workspaceId: string;
  conversationId: string;
  messageId: string;
  partIndex: number;
  from: string;
  to: string;
  operation: "add" | "remove";
  kind: string;
  customEmoji: string | null;
}

export interface MessageDelivery {
  workspaceId: string;
  conversationId: string;
  from: string;
  to: string;
  parts: unknown[];
}

export interface Upstream {
  readonly name: string;
  deliverReaction(tx: Tx, delivery: ReactionDelivery): Promise<void>;
  /** Resolves with the status the new outbound message starts in. */
  deliverMessage(tx: Tx, delivery: MessageDelivery): Promise<"delivered" | "queued">;
}

/** The upstream refused or timed out: the change is rolled back (SPEC §3, 502). */
export class UpstreamError extends Error {}
