import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { ReactionChange } from "../generated/prisma/client";
import { isUuid } from "../ids";
import { operatorEmails } from "../operators/service";
import { conversationWhere, type Scope } from "../scope";
import type { StickerInfo } from "../tapbacks/kinds";
import type { ReactionChangeObject, ReactionChangePage } from "./schemas";

/**
 * A message's audit trail (every add, replace and remove of each of its slots) with the
 * actor of each change named: the API key by name, the operator by email, the human's
 * number, or the bridge. The API and the dashboard's details panel both read it here.
 */
export const MAX_CHANGES_PAGE = 200;

type Position = { at: Date; sequence: number; id: string };

function encodeCursor(row: { createdAt: Date; sequence: number; id: string }): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.sequence, row.id])).toString("base64url");
}

function decodeCursor(cursor: string): Position {
  try {
    const [at, sequence, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const date = new Date(String(at));
    if (
      typeof at === "string" &&
      Number.isSafeInteger(sequence) &&
      typeof id === "string" &&
      isUuid(id) &&
      !Number.isNaN(date.getTime())
    ) {
      return { at: date, sequence: sequence as number, id };
    }
  } catch {
    // falls through to the error below
  }
  throw new AppError("validation_failed", "The cursor is not one this API returned.", [
    { field: "cursor", message: "Pass the next_cursor of a previous page unchanged." },
  ]);
}

/** Throws message_not_found unless the message is in a conversation the scope can see. */
async function assertVisible(db: Db, scope: Scope, messageId: string) {
  const message = await db.message.findFirst({
    where: { id: messageId, workspaceId: scope.workspaceId, conversation: conversationWhere(scope) },
    select: { id: true },
  });
  if (!message) throw new AppError("message_not_found");
}

export async function listReactionChanges(
  db: Db,
  scope: Scope,
  messageId: string,
  options: { cursor?: string; limit?: number } = {},
): Promise<ReactionChangePage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_CHANGES_PAGE);
  const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
  await assertVisible(db, scope, messageId);
  const rows = await db.reactionChange.findMany({
    where: {
      messageId,
      workspaceId: scope.workspaceId,
      ...(after
        ? {
            OR: [
              { createdAt: { gt: after.at } },
              { createdAt: after.at, sequence: { gt: after.sequence } },
              { createdAt: after.at, sequence: after.sequence, id: { gt: after.id } },
            ],
          }
        : {}),
    },
    orderBy: [{ createdAt: "asc" }, { sequence: "asc" }, { id: "asc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const names = await actorNames(db, scope, page);
  const last = page.at(-1);
  return {
    data: page.map((row) => changeObject(row, names)),
    next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

async function actorNames(db: Db, scope: Scope, rows: ReactionChange[]): Promise<Map<string, string>> {
  const ids = (type: string) => [...new Set(rows.filter((r) => r.actorType === type).map((r) => r.actorId))];
  const keyIds = ids("api_key").filter(isUuid);
  const [keys, emails] = await Promise.all([
    keyIds.length
      ? db.apiKey.findMany({
          where: { workspaceId: scope.workspaceId, id: { in: keyIds } },
          select: { id: true, name: true },
        })
      : [],
    operatorEmails(db, scope, ids("operator").filter(isUuid)),
  ]);
  const names = new Map<string, string>();
  for (const k of keys) names.set(`api_key:${k.id}`, k.name);
  for (const [id, email] of emails) names.set(`operator:${id}`, email);
  return names;
}

function changeObject(row: ReactionChange, names: Map<string, string>): ReactionChangeObject {
  // Any actor type this code does not know yet (a newer enum value) passes through by its name.
  const type: string = row.actorType;
  const name =
    type === "human" ? row.sender : type === "bridge" ? "the bridge" : (names.get(`${type}:${row.actorId}`) ?? null);
  return {
    id: row.id,
    message_id: row.messageId,
    reaction_id: row.reactionId,
    slot_id: row.slotId,
    part_index: row.partIndex,
    direction: row.direction,
    sender: row.sender,
    sequence: row.sequence,
    action: row.action,
    reaction: row.kind,
    custom_emoji: row.customEmoji,
    sticker: (row.sticker as StickerInfo | null) ?? null,
    previous:
      row.action === "replace" && row.previousKind
        ? { reaction: row.previousKind, custom_emoji: row.previousEmoji }
        : null,
    actor: { type, id: row.actorId || null, name },
    created_at: row.createdAt.toISOString(),
  };
}

/**
 * The human's reaction changes in what the scope can see (one conversation, or all), created
 * after `after`, oldest first: what MCP's wait_for_activity reports (lib/mcp/activity.ts).
 */
export async function humanChangesAfter(
  db: Db,
  scope: Scope,
  options: { after: Date; conversationId?: string; limit: number },
): Promise<{ at: Date; id: string; conversationId: string; change: ReactionChangeObject }[]> {
  const rows = await db.reactionChange.findMany({
    where: {
      workspaceId: scope.workspaceId,
      direction: "inbound",
      createdAt: { gt: options.after },
      ...(options.conversationId ? { conversationId: options.conversationId } : {}),
      slot: { message: { conversation: conversationWhere(scope) } },
    },
    orderBy: [{ createdAt: "asc" }, { sequence: "asc" }, { id: "asc" }],
    take: options.limit,
  });
  const names = await actorNames(db, scope, rows);
  return rows.map((row) => ({
    at: row.createdAt,
    id: row.id,
    conversationId: row.conversationId,
    change: changeObject(row, names),
  }));
}
