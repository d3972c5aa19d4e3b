import { errorResponse, json, parseQuery, pathId, problem } from "../api/http";
import type { SignedInOperator } from "../auth/session";
import { getDatabase } from "../db/client";
import { topic } from "../live/hub";
import { longPoll, shared, waitQuery } from "../live/long-poll";
import { keptEtag, readEtag } from "./etag-cache";
import { markRead, threadView } from "./view";

const CACHE = { "Cache-Control": "private, no-cache" };

/**
 * The open thread's poll (`GET /api/ui/conversations/{id}`): 304 while its ETag holds, else the
 * whole view (and it is now read). With `?wait=N` and an ETag it is a long-poll: it answers the
 * moment the thread changes, or 304 after N seconds. Served by the route file and, past the
 * Next.js pipeline, by lib/api/router.ts: each passes how it finds the signed-in operator. On
 * the embedded database a 304 through the router reads nothing: the operator's row and the
 * thread's ETag are kept while no notice says they changed (lib/auth/operator-cache.ts,
 * ./etag-cache.ts); on PostgreSQL both are read on every poll.
 */
export async function threadPoll(
  request: Request,
  conversationId: string,
  operatorOf: () => Promise<SignedInOperator | null>,
): Promise<Response> {
  try {
    const operator = await operatorOf();
    if (!operator) return problem("unauthorized");
    const id = pathId(conversationId, "conversation_not_found");
    const { wait } = parseQuery(waitQuery, request);
    const database = await getDatabase();
    const { prisma } = database;
    const known = request.headers.get("if-none-match");
    let etag = "";
    return await longPoll(known && wait > 0 ? await database.live() : null, {
      topics: [topic.thread(id), topic.workspaceThreads(operator.scope.workspaceId)],
      waitMs: wait * 1000,
      signal: request.signal,
      check: async (notBefore) => {
        // Polls of the same thread in the same scope ask the same questions (see shared). An
        // ETag known current needs no question at all (./etag-cache.ts: embedded database only).
        const thread = `${operator.scope.workspaceId}/${operator.scope.agentId ?? ""}/${id}`;
        etag =
          keptEtag(database, operator.scope, id) ??
          (await shared(`etag ${thread}`, notBefore, () => readEtag(database, operator.scope, id)));
        if (known === etag) return null;
        const view = await shared(`view ${thread} ${etag}`, notBefore, () => threadView(prisma, operator.scope, id));
        await shared(`read ${operator.id} ${id}`, notBefore, () => markRead(prisma, operator.scope, operator.id, id));
        return json(view, 200, { ...CACHE, ETag: view.etag });
      },
      notModified: () => new Response(null, { status: 304, headers: { ...CACHE, ETag: etag } }),
    });
  } catch (error) {
    return errorResponse(error);
  }
}
