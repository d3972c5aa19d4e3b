import { api, otherMethods, readJson } from "@/lib/api/http";
import { agentReact, parseReactionBody, reactionResponse } from "@/lib/api/reactions";
import { sendReactionBody } from "@/lib/tapbacks/schemas";

export const POST = api(async ({ db, caller, request }) => {
  const body = parseReactionBody(sendReactionBody, await readJson(request), "reaction");
  const result = await agentReact(
    db,
    caller,
    { messageId: body.message_id, partIndex: body.part_index },
    { operation: "add", kind: body.reaction, customEmoji: body.custom_emoji ?? null },
  );
  return reactionResponse(result);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
