import { api, json, otherMethods, pathId, readJson } from "@/lib/api/http";
import { agentReact, parseReactionBody, reactionResponse } from "@/lib/api/reactions";
import { reactionOperationBody } from "@/lib/tapbacks/schemas";

export const POST = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const body = parseReactionBody(reactionOperationBody, await readJson(request), "type");
  const target = { messageId: pathId(id, "message_not_found"), partIndex: body.part_index };
  const tapback = { kind: body.type, customEmoji: body.custom_emoji ?? null };
  if (body.operation === "remove") {
    const result = await agentReact(db, caller, target, { operation: "remove", ...tapback });
    return json({ removed: result.outcome === "removed" });
  }
  return reactionResponse(await agentReact(db, caller, target, { operation: "add", ...tapback }));
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
