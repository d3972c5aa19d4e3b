import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../db/client";
import { type SandboxControls, type Upstream, UpstreamError } from "./types";

/** The sandbox's name among the upstreams' capabilities. */
export const SANDBOX = "sandbox";

/**
 * The sandbox: an in-process stand-in for the iMessage network and the human's phone.
 * Its controls (fault mode, latency) live on the workspace row so that every app instance
 * sharing a PostgreSQL database agrees on them. It waits its latency like a real bridge
 * waits on the network: outside any transaction, holding no connection.
 */
export function sandboxUpstream(db: Db): Upstream {
  /** The controls the caller read (just before delivering), else read now; then applied. */
  async function controls(workspaceId: string, known?: SandboxControls): Promise<SandboxControls> {
    let ws = known;
    if (!ws) {
      const w = await db.workspace.findUniqueOrThrow({
        where: { id: workspaceId },
        select: { upstreamMode: true, upstreamLatencyMs: true },
      });
      ws = { mode: w.upstreamMode, latencyMs: w.upstreamLatencyMs };
    }
    if (ws.latencyMs > 0) await sleep(ws.latencyMs);
    if (ws.mode === "fail") throw new UpstreamError("The sandbox upstream is set to fail every delivery.");
    return ws;
  }
  /** `unknown` delivers, then answers as if the outcome could not be known. */
  function unknownAfterDelivery(mode: string) {
    if (mode === "unknown") {
      throw new UpstreamError("The sandbox upstream delivered it but answers as an unknown outcome.", "unknown");
    }
  }
  return {
    capabilities: { name: SANDBOX, customEmoji: true },
    async deliverReaction(delivery) {
      const ws = await controls(delivery.workspaceId, delivery.sandboxControls);
      unknownAfterDelivery(ws.mode);
      return {};
    },
    async deliverMessage(delivery) {
      const ws = await controls(delivery.workspaceId);
      unknownAfterDelivery(ws.mode);
      return { status: ws.mode === "hold" ? "queued" : "delivered" };
    },
    // The sandbox is the phone: whatever it answered, it delivered.
    settle: async () => "sent",
  };
}
