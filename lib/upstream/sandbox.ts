import { setTimeout as sleep } from "node:timers/promises";
import type { Db } from "../db/client";
import { type Upstream, UpstreamError } from "./types";

/**
 * The sandbox: an in-process stand-in for the iMessage network and the human's phone.
 * Its controls (fault mode, latency) live on the workspace row so that every app instance
 * sharing a PostgreSQL database agrees on them. It waits its latency like a real bridge
 * waits on the network: outside any transaction, holding no connection.
 */
export function sandboxUpstream(db: Db): Upstream {
  async function controls(workspaceId: string) {
    const ws = await db.workspace.findUniqueOrThrow({
      where: { id: workspaceId },
      select: { upstreamMode: true, upstreamLatencyMs: true },
    });
    if (ws.upstreamLatencyMs > 0) await sleep(ws.upstreamLatencyMs);
    if (ws.upstreamMode === "fail") throw new UpstreamError("The sandbox upstream is set to fail every delivery.");
    return ws;
  }
  /** `unknown` delivers, then answers as if the outcome could not be known. */
  function unknownAfterDelivery(mode: string) {
    if (mode === "unknown") {
      throw new UpstreamError("The sandbox upstream delivered it but answers as an unknown outcome.", "unknown");
    }
  }
  return {
    capabilities: { name: "sandbox", customEmoji: true },
    async deliverReaction(delivery) {
      const ws = await controls(delivery.workspaceId);
      unknownAfterDelivery(ws.upstreamMode);
      return {};
    },
    async deliverMessage(delivery) {
      const ws = await controls(delivery.workspaceId);
      unknownAfterDelivery(ws.upstreamMode);
      return { status: ws.upstreamMode === "hold" ? "queued" : "delivered" };
    },
    // The sandbox is the phone: whatever it answered, it delivered.
    settle: async () => "sent",
  };
}
