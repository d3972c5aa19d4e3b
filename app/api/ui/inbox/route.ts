import { errorResponse, json, problem } from "@/lib/api/http";
import { currentOperator } from "@/lib/auth/session";
import { inboxView } from "@/lib/conversations/view";
import { db } from "@/lib/db/client";

/** The inbox's poll: 304 while nothing it shows has changed. */
export async function GET(request: Request) {
  try {
    const operator = await currentOperator();
    if (!operator) return problem("unauthorized");
    const view = await inboxView(await db(), operator.scope, operator.id);
    const headers = { ETag: view.etag, "Cache-Control": "private, no-cache" };
    if (request.headers.get("if-none-match") === view.etag) return new Response(null, { status: 304, headers });
    return json(view, 200, headers);
  } catch (error) {
    return errorResponse(error);
  }
}
