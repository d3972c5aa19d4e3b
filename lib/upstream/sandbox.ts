import { type Upstream, UpstreamError } from "./types";

/**
 * The sandbox: an in-process stand-in for the iMessage network and the human's phone.
 * Its fault mode lives on the workspace row so that every app instance sharing a
 * PostgreSQL database agrees on it. The human side (lib/sandbox) calls the same services
 * the API does.
 */
export const sandboxUpstream: Upstream = {
  name: "sandbox",
  async deliverReaction(tx, delivery) {
    const ws = await tx.workspace.findUniqueOrThrow({
      where: { id: delivery.workspaceId },
      select: { upstreamMode: true },
    });
    if (ws.upstreamMode === "fail") {
      throw new UpstreamError("The sandbox upstream is set to fail every delivery.");
    }
  },
  async deliverMessage(tx, delivery) {
    const ws = await tx.workspace.findUniqueOrThrow({
      where: { id: delivery.workspaceId },
      select: { upstreamMode: true },
    });
    if (ws.upstreamMode === "fail") {
      throw new UpstreamError("The sandbox upstream is set to fail every delivery.");
    }
    return ws.upstreamMode === "hold" ? "queued" : "delivered";
  },
};
