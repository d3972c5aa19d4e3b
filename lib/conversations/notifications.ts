import type { Db } from "../db/client";
import type { Scope } from "../scope";
import { CLASSIC_LABEL } from "../tapbacks/kinds";
import { isClassic } from "../tapbacks/rules";

function what(kind: string, customEmoji: string | null): string {
  if (isClassic(kind)) return CLASSIC_LABEL[kind];
  return kind === "custom" ? (customEmoji ?? "an emoji") : "a sticker";
}

/**
 * Browser notifications (SPEC §11): an operator who opted in (Settings → Your account) hears of
 * the human's messages and tapbacks in the conversations they took over. The page asks with a
 * long-poll on its workspace's inbox notices (`/api/ui/notifications`), from a cursor: the time
 * of the newest thing it was told about. The page itself decides whether to show them (only
 * while the tab is hidden).
 */
export interface NotificationItem {
  id: string;
  conversationId: string;
  remoteNumber: string;
  kind: "message" | "reaction";
  body: string;
  at: string;
}

export interface NotificationPage {
  /** Pass back as `after`: the newest item's time (or the one given, when there is nothing new). */
  cursor: string;
  items: NotificationItem[];
}

const LIMIT = 20;

export async function notificationsFor(
  db: Db,
  scope: Scope,
  operatorId: string,
  after: Date,
): Promise<NotificationPage> {
  const mine = await db.conversation.findMany({
    where: { workspaceId: scope.workspaceId, takenOverById: operatorId },
    select: { id: true, remoteNumber: true },
  });
  if (mine.length === 0) return { cursor: after.toISOString(), items: [] };
  const numbers = new Map(mine.map((c) => [c.id, c.remoteNumber]));
  const ids = [...numbers.keys()];
  const [messages, reactions] = await Promise.all([
    db.message.findMany({
      where: {
        workspaceId: scope.workspaceId,
        conversationId: { in: ids },
        direction: "inbound",
        createdAt: { gt: after },
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: LIMIT,
      include: { parts: { orderBy: { index: "asc" }, take: 1 } },
    }),
    db.reactionChange.findMany({
      where: {
        workspaceId: scope.workspaceId,
        conversationId: { in: ids },
        direction: "inbound",
        action: { in: ["add", "replace"] },
        createdAt: { gt: after },
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: LIMIT,
    }),
  ]);
  const items: NotificationItem[] = [
    ...messages.map((m) => {
      const part = m.parts[0];
      return {
        id: m.id,
        conversationId: m.conversationId,
        remoteNumber: numbers.get(m.conversationId) ?? "",
        kind: "message" as const,
        body: part?.type === "text" ? (part.text ?? "") : `Attachment: ${part?.attachmentFileName ?? ""}`,
        at: m.createdAt.toISOString(),
      };
    }),
    ...reactions.map((r) => ({
      id: r.id,
      conversationId: r.conversationId,
      remoteNumber: numbers.get(r.conversationId) ?? "",
      kind: "reaction" as const,
      body: `Reacted with ${what(r.kind, r.customEmoji)}`,
      at: r.createdAt.toISOString(),
    })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const cursor = items.at(-1)?.at ?? after.toISOString();
  return { cursor, items };
}
