import { errorResponse, json, parseQuery, problem } from "@/lib/api/http";
import { currentOperator } from "@/lib/auth/session";
import { notificationsFor } from "@/lib/conversations/notifications";
import { getDatabase } from "@/lib/db/client";
import { topic } from "@/lib/live/hub";
import { longPoll, shared, waitQuery } from "@/lib/live/long-poll";
import * as z from "@/lib/zod";

const CACHE = { "Cache-Control": "private, no-store" };
const query = waitQuery.extend({ after: z.iso.datetime().optional() });

/**
 * What an opted-in operator is notified of (lib/conversations/notifications.ts): a long-poll
 * on the workspace's inbox notices that answers as soon as the human writes or reacts in a
 * conversation this operator took over, after `after`. Without `after` it answers at once
 * with the cursor to start from.
 */
export async function GET(request: Request) {
  try {
    const operator = await currentOperator();
    if (!operator) return problem("unauthorized");
    const { wait, after } = parseQuery(query, request);
    if (!after) return json({ cursor: new Date().toISOString(), items: [] }, 200, CACHE);
    const since = new Date(after);
    const database = await getDatabase();
    return await longPoll(wait > 0 ? await database.live() : null, {
      topics: [topic.inbox(operator.scope.workspaceId)],
      waitMs: wait * 1000,
      signal: request.signal,
      check: async (notBefore) => {
        const page = await shared(`notify ${operator.id} ${after}`, notBefore, () =>
          notificationsFor(database.prisma, operator.scope, operator.id, since),
        );
        return page.items.length ? json(page, 200, CACHE) : null;
      },
      notModified: () => json({ cursor: after, items: [] }, 200, CACHE),
    });
  } catch (error) {
    return errorResponse(error);
  }
}
