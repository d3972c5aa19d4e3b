import { api, json, otherMethods, parseBody, parseQuery, pathId, readJson } from "@/lib/api/http";
import { listMessagesQuery, sendMessageBody } from "@/lib/messages/schemas";
import { listMessages, sendMessage } from "@/lib/messages/service";

export const GET = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const { before, limit } = parseQuery(listMessagesQuery, request);
  return json(
    await listMessages(db, caller, pathId(id, "conversation_not_found"), {
      before: before === undefined ? undefined : pathId(before, "message_not_found"),
      limit,
    }),
  );
});

export const POST = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const body = parseBody(sendMessageBody, await readJson(request));
  return json(await sendMessage(db, caller, pathId(id, "conversation_not_found"), body.parts), 201);
});

export const { PUT, PATCH, DELETE } = otherMethods("GET, POST");
