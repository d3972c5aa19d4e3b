import { errorResponse, json, pathId, problem } from "@/lib/api/http";
import { currentOperator } from "@/lib/auth/session";
import { markRead, threadEtagOf, threadView } from "@/lib/conversations/view";
import { db } from "@/lib/db/client";

/** The open thread's poll: 304 while its ETag holds, else the whole view (and it is now read). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const operator = await currentOperator();
    if (!operator) return problem("unauthorized");
    const id = pathId((await params).id, "conversation_not_found");
    const prisma = await db();
    const headers = { ETag: "", "Cache-Control": "private, no-cache" };
    const etag = await threadEtagOf(prisma, operator.scope, id);
    if (request.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers: { ...headers, ETag: etag } });
    }
    const view = await threadView(prisma, operator.scope, id);
    await markRead(prisma, operator.scope, operator.id, id);
    return json(view, 200, { ...headers, ETag: view.etag });
  } catch (error) {
    return errorResponse(error);
  }
}
