import type { Db } from "../../db/client";
import { AppError } from "../../errors";
import { isUuid } from "../../ids";
import type { Scope } from "../../scope";
import { openBridge } from "./bridge";
import { BlueBubblesError } from "./client";

/**
 * A bridge attachment (a sticker's image, a photo the human sent), fetched from the bridge for
 * a caller who may see it: the bridge's password never reaches a browser or an API client.
 * Only attachments Tapdesk itself read from this bridge are served (bridge_attachment, written
 * by the bridge path alone): a URL a caller put in a message part or a sandbox sticker names
 * nothing, so this is no way to read anything else off the Mac.
 */
export async function bridgeAttachment(
  db: Db,
  scope: Scope,
  agentId: string,
  guid: string,
): Promise<{ bytes: Uint8Array; contentType: string }> {
  if (!isUuid(agentId) || (scope.agentId && scope.agentId !== agentId)) throw new AppError("not_found");
  const recorded = await db.bridgeAttachment.findFirst({
    where: { agentId, guid, workspaceId: scope.workspaceId },
    select: { guid: true },
  });
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
