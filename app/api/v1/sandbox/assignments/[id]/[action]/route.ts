import { api, json, otherMethods, pathId } from "@/lib/api/http";
import { AppError } from "@/lib/errors";
import { setAssignmentStatus } from "@/lib/sandbox";

const STATUS = { disconnect: "disconnected", reconnect: "active" } as const;

export const POST = api<{ id: string; action: string }>(async ({ db, caller }, { id, action }) => {
  if (!(action in STATUS)) throw new AppError("not_found");
  return json(await setAssignmentStatus(db, caller, pathId(id), STATUS[action as keyof typeof STATUS]));
});

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
