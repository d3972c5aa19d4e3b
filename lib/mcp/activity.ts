import { pathId } from "../api/http";
import { humanChangesAfter } from "../audit/reaction-changes";
import type { ApiCaller } from "../auth/api-keys";
import { getConversation } from "../conversations/service";
import { type Db, getDatabase } from "../db/client";
import { AppError } from "../errors";
import { isUuid } from "../ids";
import { topic } from "../live/hub";
import { longPoll, MAX_WAIT_S } from "../live/long-poll";
import { getMessage, type MessageObject } from "../messages/service";
import { conversationWhere } from "../scope";
import * as z from "../zod";

/**
 * wait_for_activity, the one MCP tool that is not an API operation: a long-poll through the
 * live hub (lib/live) for what the person does — their new messages and reaction changes —
 * in one conversation or in every conversation the key can see.
 *
 * The cursor is a time and the ids already reported just before it. Rows are stamped when
 * their transaction runs but become visible when it commits, a little later, and instances'
 * clocks differ a little: a read therefore looks back LAG_MS before the cursor's time and
 * leaves out the ids it lists, so nothing committed late is skipped and nothing is reported twice.
 */
export const LAG_MS = 30_000;
/** Rows of each kind one answer reports; more wait for the next call, which answers at once. */
const PAGE = 100;

export const waitForActivityInput = z
  .object({
    conversation_id: z
      .string()
      .optional()
      .meta({ format: "uuid", description: "Wait on this conversation only; otherwise on every one the key can see." }),
    timeout_s: z
      .number()
      .int()
      .min(0)
      .max(MAX_WAIT_S)
      .default(MAX_WAIT_S)
      .meta({
        description: `How long to wait for something new, in seconds (0 to ${MAX_WAIT_S}; default ${MAX_WAIT_S}).`,
      }),
    cursor: z.string().max(100_000).optional().meta({
      description:
        "The `cursor` of the previous answer: report what happened since it. Without one, only what happens from now on.",
    }),
  })
  .strict();

export const WAIT_DESCRIPTION =
  "Wait until the person writes or reacts, then report it: their new messages (with parts and live reactions) and their reaction changes (added, replaced, removed) since `cursor`, in one conversation or in every conversation the key can see. Answers as soon as there is something (at once when something happened since `cursor`), or with empty lists after `timeout_s` seconds. Pass the answer's `cursor` to the next call. Refusals are tool errors starting with their code: validation_failed, conversation_not_found.";

export interface Activity {
  messages: MessageObject[];
  reaction_changes: ({ conversation_id: string } & Awaited<ReturnType<typeof humanChangesAfter>>[number]["change"])[];
  cursor: string;
  /** True when the wait ended with nothing new. */
  timed_out: boolean;
}

interface Position {
  at: Date;
  seen: string[];
  /**
   * Nothing before this is news, even within LAG_MS of `at`: the arrival of the call that began
   * without a cursor (what was there before it is not reported, in that call or the next).
   */
  since?: Date;
}

/** A cursor also names what was waited on: its `seen` ids say nothing about other conversations. */
function encodeCursor(position: Position, conversationId: string | undefined): string {
  const json = [
    position.at.toISOString(),
    position.seen,
    conversationId ?? null,
    position.since?.toISOString() ?? null,
  ];
  return Buffer.from(JSON.stringify(json)).toString("base64url");
}

function decodeCursor(cursor: string, conversationId: string | undefined): Position {
  let position: Position | null = null;
  let scope: unknown;
  try {
    const [at, seen, on, since] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const date = new Date(String(at));
    const from = since === null || since === undefined ? undefined : new Date(String(since));
    if (
      typeof at === "string" &&
      !Number.isNaN(date.getTime()) &&
      (from === undefined || (typeof since === "string" && !Number.isNaN(from.getTime()))) &&
      Array.isArray(seen) &&
      seen.every((id) => typeof id === "string" && isUuid(id))
    ) {
      position = { at: date, seen: seen as string[], since: from };
      scope = on;
    }
  } catch {
    // falls through to the error below
  }
  if (!position) {
    throw new AppError("validation_failed", "The cursor is not one wait_for_activity returned.", [
      { field: "cursor", message: "Pass the cursor of a previous answer unchanged." },
    ]);
  }
  if (scope !== (conversationId ?? null)) {
    throw new AppError("validation_failed", "The cursor belongs to a wait on other conversations.", [
      { field: "cursor", message: "Pass it with the conversation_id (or none) of the call that returned it." },
    ]);
  }
  return position;
}

/** What the person did after `from` (and not already reported), and where the next read starts. */
async function activitySince(db: Db, caller: ApiCaller, from: Position, conversationId: string | undefined) {
  const readAt = new Date();
  const after = new Date(Math.max(from.at.getTime() - LAG_MS, from.since?.getTime() ?? 0));
  const seen = new Set(from.seen);
  const limit = PAGE + seen.size;
  const [messageRows, changeRows] = await Promise.all([
    db.message.findMany({
      where: {
        workspaceId: caller.workspaceId,
        direction: "inbound",
        createdAt: { gt: after },
        ...(conversationId ? { conversationId } : {}),
        conversation: conversationWhere(caller),
      },
      select: { id: true, createdAt: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: limit,
    }),
    humanChangesAfter(db, caller, { after, conversationId, limit }),
  ]);
  const fetched = [
    messageRows.map((row) => ({ id: row.id, at: row.createdAt })),
    changeRows.map((row) => ({ id: row.id, at: row.at })),
  ];
  // A full page may have more behind it: the next read starts at its last row, not now.
  const cutoffs = fetched.filter((rows) => rows.length === limit).map((rows) => rows.at(-1)!.at.getTime());
  const at = cutoffs.length ? new Date(Math.min(...cutoffs)) : readAt;
  const messages = await Promise.all(
    messageRows.filter((row) => !seen.has(row.id)).map((row) => getMessage(db, caller, row.id)),
  );
  return {
    messages,
    reaction_changes: changeRows
      .filter((row) => !seen.has(row.id))
      .map((row) => ({ conversation_id: row.conversationId, ...row.change })),
    // Everything fetched is reported now or was before; what is recent enough to be read again stays listed.
    next: {
      at,
      seen: fetched
        .flat()
        .filter((row) => row.at.getTime() > at.getTime() - LAG_MS)
        .map((row) => row.id),
      since: from.since && from.since.getTime() > at.getTime() - LAG_MS ? from.since : undefined,
    },
  };
}

/**
 * Answers at once when something happened since the cursor; otherwise waits for a notice of
 * the conversation (or of the workspace) on the live hub, holding no database connection,
 * and looks again; empty lists once `timeout_s` is over.
 */
export async function waitForActivity(
  caller: ApiCaller,
  input: z.infer<typeof waitForActivityInput>,
  options: { arrivedAt: Date; signal?: AbortSignal },
): Promise<Activity> {
  const database = await getDatabase();
  const db = database.prisma;
  const conversationId =
    input.conversation_id === undefined ? undefined : pathId(input.conversation_id, "conversation_not_found");
  if (conversationId) await getConversation(db, caller, conversationId);
  // Without a cursor, news is what the person does from the moment the call arrived: a tapback
  // sent while the call is still on its way is not missed, and nothing before it is reported.
  let position: Position =
    input.cursor === undefined
      ? { at: options.arrivedAt, seen: [], since: options.arrivedAt }
      : decodeCursor(input.cursor, conversationId);
  const waitMs = input.timeout_s * 1000;
  return longPoll<Activity>(waitMs > 0 ? await database.live() : null, {
    topics: conversationId ? [topic.thread(conversationId)] : [topic.inbox(caller.workspaceId)],
    waitMs,
    signal: options.signal,
    check: async () => {
      const found = await activitySince(db, caller, position, conversationId);
      position = found.next;
      if (found.messages.length === 0 && found.reaction_changes.length === 0) return null;
      return {
        messages: found.messages,
        reaction_changes: found.reaction_changes,
        cursor: encodeCursor(found.next, conversationId),
        timed_out: false,
      };
    },
    notModified: () => ({
      messages: [],
      reaction_changes: [],
      cursor: encodeCursor(position, conversationId),
      timed_out: true,
    }),
  });
}
