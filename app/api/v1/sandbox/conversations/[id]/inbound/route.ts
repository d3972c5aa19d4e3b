import { json, otherMethods, parseBody, pathId, readJson } from "@/lib/api/http";
import { sandboxApi } from "@/lib/api/sandbox";
import { sendMessageBody } from "@/lib/messages/schemas";
import { receiveMessage } from "@/lib/messages/service";

export const POST = sandboxApi<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const body = parseBody(sendMessageBody, await readJson(request));
  return json(await receiveMessage(db, caller, pathId(id, "conversation_not_found"), body.parts), 201);
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
