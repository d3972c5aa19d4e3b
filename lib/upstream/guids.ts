import type { Db, Tx } from "../db/client";

/**
 * Records that a bridge's guid (a message, a tapback) has been applied, in the transaction
 * that applies it; false when it already was. Webhooks repeat, reconciliation reads again and
 * the bridge echoes Tapdesk's own sends, so every guid must take effect once.
 */
export async function claimBridgeGuid(
  db: Db | Tx,
  claim: { workspaceId: string; agentId: string; guid: string },
): Promise<boolean> {
  const { count } = await db.bridgeGuid.createMany({ data: [claim], skipDuplicates: true });
  return count === 1;
}
