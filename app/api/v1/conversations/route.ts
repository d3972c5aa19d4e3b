import { api, json, otherMethods, parseQuery } from "@/lib/api/http";
import { listConversationsQuery } from "@/lib/conversations/schemas";
import { listConversations } from "@/lib/conversations/service";

export const GET = api(async ({ db, caller, request }) => {
  return json(await listConversations(db, caller, parseQuery(listConversationsQuery, request)));
});

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
