import { errorResponse, json, parseQuery, problem } from "@/lib/api/http";
import { currentOperator } from "@/lib/auth/session";
import { inboxFilters, inboxView } from "@/lib/conversations/view";
import { getDatabase } from "@/lib/db/client";
import { topic } from "@/lib/live/hub";
import { longPoll, shared, waitQuery } from "@/lib/live/long-poll";

const CACHE = { "Cache-Control": "private, no-cache" };

/**
 * The inbox's poll: 304 while nothing it shows has changed. With `?wait=N` and an ETag it is
 * a long-poll: it answers the moment the inbox changes, or 304 after N seconds.
 */
export async function GET(request: Request) {
  try {
    const operator = await currentOperator();
    if (!operator) return problem("unauthorized");
    const { wait } = parseQuery(waitQuery, request);
    // The search and filters of the inbox's URL (?q=&agent=&unread=1); the ETag covers them.
    const filters = inboxFilters.parse(Object.fromEntries(new URL(request.url).searchParams));
    const database = await getDatabase();
    const known = request.headers.get("if-none-match");
    let etag = "";
    return await longPoll(known && wait > 0 ? await database.live() : null, {
      topics: [topic.inbox(operator.scope.workspaceId)],
      waitMs: wait * 1000,
      signal: request.signal,
      check: async (notBefore) => {
        // The inbox shows unread marks, so its view is the operator's own (see shared), and
        // each search and filter is a view of its own.
        const view = await shared(`inbox ${operator.id} ${JSON.stringify(filters)}`, notBefore, () =>
          inboxView(database.prisma, operator.scope, operator.id, filters),
        );
        etag = view.etag;
        return known === etag ? null : json(view, 200, { ...CACHE, ETag: etag });
      },
      notModified: () => new Response(null, { status: 304, headers: { ...CACHE, ETag: etag } }),
    });
  } catch (error) {
    return errorResponse(error);
  }
}
