import { errorResponse, json, parseBody, problem, readJson } from "@/lib/api/http";
import { db } from "@/lib/db/client";
import { isInstanceToken } from "@/lib/workspaces/instance-token";
import { createWorkspaceBody } from "@/lib/workspaces/schemas";
import { createWorkspace, listWorkspaces } from "@/lib/workspaces/service";

// `npm run workspace` on the embedded database: the command's way in while the server holds
// the data. Only the instance token of lib/workspaces/instance-token.ts opens it.

async function authorized(request: Request) {
  return isInstanceToken(await db(), request.headers.get("authorization"));
}

const DENIED = "Send the instance token (in instance-token.json beside the data) as `Authorization: Bearer <token>`.";

export async function GET(request: Request) {
  try {
    if (!(await authorized(request))) return problem("unauthorized", DENIED);
    return json({ data: await listWorkspaces(await db()) });
  } catch (error) {
    return errorResponse(error);
  }
}

export async function POST(request: Request) {
  try {
    if (!(await authorized(request))) return problem("unauthorized", DENIED);
    const body = parseBody(createWorkspaceBody, await readJson(request));
    return json(await createWorkspace(await db(), body), 201);
  } catch (error) {
    return errorResponse(error);
  }
}
