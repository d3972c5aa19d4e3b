import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { Assignment, Conversation } from "../generated/prisma/client";
import { isUuid } from "../ids";
import { conversationWhere, type Scope } from "../scope";
import type { ConversationObject, ConversationPage } from "./schemas";
import { takenOverOf } from "./takeover";

/** Conversations as the API shows them (GET /conversations), newest activity first. */
type Row = Conversation & { assignment: Assignment; takenOverBy: { id: string; email: string } | null };

const withState = { assignment: true, takenOverBy: { select: { id: true, email: true } } } as const;

function conversationObject(row: Row): ConversationObject {
  const takenOver = takenOverOf(row);
  return {
    id: row.id,
    assignment_id: row.assignmentId,
    agent_id: row.agentId,
    remote_number: row.remoteNumber,
    status: row.assignment.status,
    last_activity_at: row.lastActivityAt.toISOString(),
    created_at: row.createdAt.toISOString(),
    taken_over: takenOver && { operator: takenOver.operator, at: takenOver.at.toISOString() },
  };
}

// The cursor names the last row of a page by its sort key; opaque to clients.
function encodeCursor(row: { lastActivityAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([row.lastActivityAt.toISOString(), row.id])).toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const date = new Date(String(at));
    if (typeof at === "string" && typeof id === "string" && isUuid(id) && !Number.isNaN(date.getTime())) {
      return { at: date, id };
    }
  } catch {
    // falls through to the error below
  }
  throw new AppError("validation_failed", "The cursor is not one this API returned.", [
    { field: "cursor", message: "Pass the next_cursor of a previous page unchanged." },
  ]);
}

export async function listConversations(
  db: Db,
  scope: Scope,
  options: { cursor?: string; limit?: number } = {},
): Promise<ConversationPage> {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 200);
  const after = options.cursor === undefined ? null : decodeCursor(options.cursor);
  const rows = await db.conversation.findMany({
    where: {
      ...conversationWhere(scope),
      ...(after
        ? { OR: [{ lastActivityAt: { lt: after.at } }, { lastActivityAt: after.at, id: { lt: after.id } }] }
        : {}),
    },
    include: withState,
    orderBy: [{ lastActivityAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(conversationObject),
    next_cursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}

export async function getConversation(db: Db, scope: Scope, id: string): Promise<ConversationObject> {
  const row = await db.conversation.findFirst({
    where: { id, ...conversationWhere(scope) },
    include: withState,
  });
  if (!row) throw new AppError("conversation_not_found");
  return conversationObject(row);
}
