import { errorResponse, otherMethods, problem } from "@/lib/api/http";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { currentOperator } from "@/lib/auth/session";
import { bridgeAttachment } from "@/lib/bridges/bluebubbles/attachments";
import { db } from "@/lib/db/client";

/** A bridge attachment, for an API key or a signed-in operator (the dashboard's <img>). */
export async function GET(request: Request, { params }: { params: Promise<{ id: string; guid: string }> }) {
  try {
    const prisma = await db();
    const authorization = request.headers.get("authorization");
    const scope = authorization
      ? await authenticateApiKey(prisma, authorization)
      : ((await currentOperator())?.scope ?? null);
    if (!scope) return problem("unauthorized", "Send a valid API key, or sign in.");
    const { id, guid } = await params;
    const file = await bridgeAttachment(prisma, scope, id, guid);
    return new Response(Buffer.from(file.bytes), {
      headers: {
        "Content-Type": file.contentType,
        "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff",
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
