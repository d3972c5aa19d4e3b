import { api, json, otherMethods, pathId } from "@/lib/api/http";
import { getConversation } from "@/lib/conversations/service";

export const GET = api<{ id: string }>(async ({ db, caller }, { id }) =>
  json(await getConversation(db, caller, pathId(id, "conversation_not_found"))),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
