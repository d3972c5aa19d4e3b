import { z } from "zod";
import { api, json, parseBody, pathId, readJson } from "@/lib/api/http";
import { sendMessageBody } from "@/lib/messages/schemas";
import { listMessages, sendMessage } from "@/lib/messages/service";

const query = z.object({
  before: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const GET = api<{ id: string }>(async ({ db, caller, request }, { id }) => {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const { before, limit } = parseBody(query, params);
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
