import { api, json, otherMethods, pathId, readJson } from "@/lib/api/http";
import { parseReactionBody } from "@/lib/api/reactions";
import { humanReact, humanReactionBody } from "@/lib/sandbox";

export const POST = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const body = parseReactionBody(humanReactionBody, await readJson(request), "type");
  const result = await humanReact(db, caller, pathId(id, "message_not_found"), body);
  if (body.operation === "remove") return json({ removed: result.outcome === "removed" });
  return json(result.reaction, result.outcome === "noop" ? 200 : 201);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
