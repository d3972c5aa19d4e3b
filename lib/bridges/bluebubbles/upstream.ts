import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { appleTapbackName } from "../../tapbacks/rules";
import { type Upstream, UpstreamError } from "../../upstream/types";
import { type OpenBridge, openBridge, touchBridge } from "./bridge";
import { BlueBubblesError } from "./client";
import { defaultChatGuid } from "./inbound";
import { reconcileSoon } from "./reconcile";

/**
 * Delivery through the agent's BlueBubbles bridge. Its server sends the classic six with the
 * Private API; it cannot send custom emoji tapbacks or stickers, so the rules refuse those
 * before anything is delivered.
 */
export function bridgeUpstream(db: Db, agentId: string): Upstream {
  async function open(): Promise<OpenBridge> {
    const bridge = await openBridge(db, agentId);
    if (!bridge) throw new UpstreamError("The agent's bridge was unlinked while this was being sent.");
    return bridge;
  }

  /** Runs one call; bridge failures become 502s, and an unknown outcome is settled by reconciling soon. */
  async function call<T>(bridge: OpenBridge, fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      touchBridge(db, bridge.row.id, "ok").catch(() => {});
      return result;
    } catch (error) {
      if (!(error instanceof BlueBubblesError)) throw error;
      if (error.outcome === "unknown") reconcileSoon(db, bridge.row.id);
      throw new UpstreamError(
        error.outcome === "unknown"
          ? `The bridge did not confirm it (${error.sentence}); Tapdesk will read back what really happened.`
          : `The bridge refused it: ${error.sentence}`,
        error.outcome,
      );
    }
  }

  return {
    capabilities: { name: "BlueBubbles", customEmoji: false },

    async deliverReaction(delivery) {
      if (!delivery.targetGuid) throw new UpstreamError("The bridge does not know this message.");
      const bridge = await open();
      const name = delivery.kind === "custom" ? null : delivery.kind;
      if (!name) throw new UpstreamError("BlueBubbles cannot send custom emoji tapbacks.");
      const sent = await call(bridge, () =>
        bridge.client.react({
          chatGuid: delivery.chatGuid ?? defaultChatGuid(delivery.to),
          selectedMessageGuid: delivery.targetGuid as string,
          reaction: appleTapbackName(delivery.operation, name),
          partIndex: delivery.partIndex,
        }),
      );
      return {
        guid: sent.guid ?? undefined,
        at: sent.message?.dateCreated ?? undefined,
        rowid: sent.message?.originalROWID ?? undefined,
      };
    },

    async deliverMessage(delivery) {
      if (delivery.parts.some((p) => p.attachment)) {
        throw new AppError(
          "validation_failed",
          "Attachments cannot be sent through a BlueBubbles bridge yet; send text parts.",
          [{ field: "parts", message: "Only text parts can be sent through a BlueBubbles bridge." }],
        );
      }
      const bridge = await open();
      const chatGuid = delivery.chatGuid ?? defaultChatGuid(delivery.to);
      const texts = delivery.parts.map((p) => p.text ?? "");
      const sent = await call(bridge, () =>
        texts.length === 1
          ? bridge.client.sendText({ chatGuid, text: texts[0] as string, tempGuid: delivery.tempGuid })
          : bridge.client.sendMultipart({
              chatGuid,
              parts: texts.map((text) => ({ text })),
              tempGuid: delivery.tempGuid,
            }),
      );
      return { status: "sent", guid: sent.guid ?? undefined };
    },

    // The bridge's echo settles it, or reconciliation, which runs soon after an unknown outcome.
    async settle() {
      const row = await db.blueBubblesBridge.findUnique({ where: { agentId }, select: { id: true } });
      if (!row) return "not_sent";
      reconcileSoon(db, row.id);
      return "pending";
    },
  };
}
