import { api, json, otherMethods, parseBody, readJson } from "@/lib/api/http";
import { createConversation, createConversationBody } from "@/lib/sandbox";

export const POST = api(async ({ db, caller, request }) => {
  const body = parseBody(createConversationBody, await readJson(request));
  return json(await createConversation(db, caller, body), 201);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
