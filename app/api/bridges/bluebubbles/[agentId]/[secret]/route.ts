import { errorResponse, json, otherMethods, problem, readJson } from "@/lib/api/http";
import { receiveWebhook } from "@/lib/bridges/bluebubbles/apply";
import { db } from "@/lib/db/client";

/**
 * The inbound webhook of one agent's BlueBubbles bridge. The path names the agent and a long
 * random secret (compared in constant time); any other path is 404 and changes nothing.
 */
export async function POST(request: Request, { params }: { params: Promise<{ agentId: string; secret: string }> }) {
  try {
    const { agentId, secret } = await params;
    const result = await receiveWebhook(await db(), agentId, secret, () => readJson(request));
    if (!result) return problem("not_found");
    return json(result, result.outcome === "accepted" ? 202 : 200);
  } catch (error) {
    return errorResponse(error);
  }
}

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
