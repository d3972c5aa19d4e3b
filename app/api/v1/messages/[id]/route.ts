import { api, json, otherMethods, pathId } from "@/lib/api/http";
import { getMessage } from "@/lib/messages/service";

export const GET = api<{ id: string }>(async ({ db, caller }, { id }) =>
  json(await getMessage(db, caller, pathId(id, "message_not_found"))),
);

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
