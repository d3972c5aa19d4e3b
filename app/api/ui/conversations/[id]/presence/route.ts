import { errorResponse, json, pathId, problem, readJson } from "@/lib/api/http";
import { currentOperator } from "@/lib/auth/session";
import { HEARTBEAT_MS, heartbeat, PRESENCE_TTL_MS } from "@/lib/conversations/presence";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import * as z from "@/lib/zod";

const body = z.object({ typing: z.boolean().default(false), leaving: z.boolean().default(false) }).strict();

/**
 * The open thread's heartbeat (lib/conversations/presence.ts): the operator is viewing it,
 * writing a reply in it, or (`leaving`, sent with navigator.sendBeacon as the page goes away)
 * has left it. Answers the timing the page should keep.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  try {
    const operator = await currentOperator();
    if (!operator) return problem("unauthorized");
    const id = pathId((await params).id, "conversation_not_found");
    const parsed = body.safeParse(await readJson(request, true));
    if (!parsed.success) throw new AppError("validation_failed", "The heartbeat is not valid.");
    await heartbeat(await db(), operator.scope, operator.id, id, parsed.data);
    return json({ heartbeat_ms: HEARTBEAT_MS, ttl_ms: PRESENCE_TTL_MS }, 200, { "Cache-Control": "no-store" });
  } catch (error) {
    // The page went away while its last heartbeat was on the wire: nobody is left to answer.
    if (request.signal.aborted || (error as { code?: string }).code === "ECONNRESET") {
      return new Response(null, { status: 204 });
    }
    return errorResponse(error);
  }
}
