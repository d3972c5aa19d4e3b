import type { TapbackKind } from "../tapbacks/kinds";
import type { UpstreamCapabilities } from "../tapbacks/rules";

/**
 * Delivery to iMessage, chosen per agent: the sandbox (default) or the agent's BlueBubbles
 * bridge. An upstream call never runs inside a database transaction and never holds a
 * database connection while it waits (a bridge may take a minute): the services call it
 * between their reads and the transaction that records what happened.
 */
export interface ReactionDelivery {
  workspaceId: string;
  agentId: string;
  conversationId: string;
  messageId: string;
  partIndex: number;
  from: string;
  to: string;
  operation: "add" | "remove";
  kind: TapbackKind;
  customEmoji: string | null;
  /** What the bridge calls the target message and the chat; null where nothing is known. */
  targetGuid: string | null;
  chatGuid: string | null;
  /**
   * The workspace's sandbox controls, when the caller read them just before delivering (the
   * tapback service reads them with the slot, under its lease: one round trip less per send).
   * The sandbox then reads nothing itself; bridges ignore them.
   */
  sandboxControls?: SandboxControls;
}

/** The sandbox's fault mode and latency (SPEC §5.1), kept on the workspace row. */
export interface SandboxControls {
  mode: "ok" | "fail" | "hold" | "unknown";
  latencyMs: number;
}

export interface PartDelivery {
  text?: string;
  attachment?: { url: string; mime_type: string; file_name: string };
}

export interface MessageDelivery {
  workspaceId: string;
  agentId: string;
  conversationId: string;
  from: string;
  to: string;
  chatGuid: string | null;
  parts: PartDelivery[];
  /** Names this send on the upstream: its echo carries it, so an unknown outcome can be settled. */
  tempGuid: string;
}

/** What the upstream reports back: the bridge's guid of what it sent, when it has one. */
export interface ReactionReceipt {
  guid?: string;
  /** When the upstream recorded the change (epoch ms) and its row there, when it says. */
  at?: number;
  rowid?: number;
}

export interface MessageReceipt {
  /** The status the new outbound message starts in. */
  status: "delivered" | "sent" | "queued";
  guid?: string;
}

export interface Upstream {
  readonly capabilities: UpstreamCapabilities;
  deliverReaction(delivery: ReactionDelivery): Promise<ReactionReceipt>;
  deliverMessage(delivery: MessageDelivery): Promise<MessageReceipt>;
  /**
   * What became of a send whose outcome was unknown: `sent` or `not_sent` when the upstream
   * can tell now, `pending` when it settles it itself later (a bridge: by the echo, or by
   * reconciliation).
   */
  settle(send: { id: string; agentId: string; kind: "message" | "reaction" }): Promise<"sent" | "not_sent" | "pending">;
}

/**
 * The upstream refused, failed or timed out: nothing is recorded (502). `unknown` when the
 * upstream may have acted anyway (a bridge's timeout); reconciliation settles those.
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly outcome: "failed" | "unknown" = "failed",
  ) {
    super(message);
  }
}
