import type { Db } from "../db/client";
import { AppError } from "../errors";
import { conversationWhere, type Scope } from "../scope";
import { fullReaction, type ReactionObject } from "./serialize";

/**
 * Reads of live reactions by id, within the caller's scope: a reaction in a conversation
 * the caller may not see does not exist for it.
 */
async function findVisible(db: Db, scope: Scope, id: string) {
  return db.reaction.findFirst({
    where: { id, workspaceId: scope.workspaceId, conversation: conversationWhere(scope) },
    include: { conversation: { select: { remoteNumber: true } } },
  });
}

/** GET /reactions/{id}: the live reaction; removed ones are gone (404). */
export async function getReaction(db: Db, scope: Scope, id: string): Promise<ReactionObject> {
  const row = await findVisible(db, scope, id);
  if (!row) throw new AppError("reaction_not_found");
  return fullReaction(row, row.conversation.remoteNumber);
}

/** What removing a reaction by id needs: its slot's coordinates, and whose it is. */
export async function findRemovableReaction(db: Db, scope: Scope, id: string) {
  const row = await findVisible(db, scope, id);
  if (!row) throw new AppError("reaction_not_found");
  if (row.direction === "inbound") throw new AppError("reaction_not_owned");
  return { id: row.id, messageId: row.messageId, partIndex: row.partIndex };
}
