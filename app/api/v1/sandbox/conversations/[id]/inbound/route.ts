import { api, json, otherMethods, parseBody, pathId, readJson } from "@/lib/api/http";
import { sendMessageBody } from "@/lib/messages/schemas";
import { humanSend } from "@/lib/sandbox";

export const POST = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const body = parseBody(sendMessageBody, await readJson(request));
  return json(await humanSend(db, caller, pathId(id, "conversation_not_found"), body.parts), 201);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
