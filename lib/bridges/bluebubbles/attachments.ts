import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { isUuid } from "../../ids";
import type { Scope } from "../../scope";
import { attachmentUrl } from "./apply";
import { openBridge } from "./bridge";
import { BlueBubblesError } from "./client";

/**
 * A bridge attachment (a sticker's image, a photo the human sent), fetched from the bridge for
 * a caller who may see it: the bridge's password never reaches a browser or an API client.
 * Only attachments Tapdesk recorded in this workspace are served, so this is no way to read
 * anything else off the Mac.
 */
export async function bridgeAttachment(
  db: Db,
  scope: Scope,
  agentId: string,
  guid: string,
): Promise<{ bytes: Uint8Array; contentType: string }> {
  if (!isUuid(agentId) || (scope.agentId && scope.agentId !== agentId)) throw new AppError("not_found");
  const url = attachmentUrl(agentId, guid);
  const [recorded] = await db.$queryRaw<{ n: number }[]>`
    SELECT 1 AS n FROM message_part WHERE workspace_id = ${scope.workspaceId}::uuid AND attachment_url = ${url}
    UNION ALL
    SELECT 1 FROM reaction_change WHERE workspace_id = ${scope.workspaceId}::uuid AND sticker->>'url' = ${url}
    LIMIT 1`;
  if (!recorded) throw new AppError("not_found", "No such attachment.");
  const bridge = await openBridge(db, agentId);
  if (!bridge || bridge.row.workspaceId !== scope.workspaceId) throw new AppError("not_found", "No such attachment.");
  try {
    return await bridge.client.downloadAttachment(guid);
  } catch (error) {
    if (error instanceof BlueBubblesError) throw new AppError("upstream_delivery_failed", error.sentence);
    throw error;
  }
}
