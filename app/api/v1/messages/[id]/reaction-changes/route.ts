import { api, json, otherMethods, parseQuery, pathId } from "@/lib/api/http";
import { listReactionChanges } from "@/lib/audit/reaction-changes";
import { reactionChangesQuery } from "@/lib/audit/schemas";

export const GET = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const query = parseQuery(reactionChangesQuery, request);
  return json(await listReactionChanges(db, caller, pathId(id, "message_not_found"), query));
});

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
