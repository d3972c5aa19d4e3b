import { updateAgentBody } from "@/lib/agents/schemas";
import { getAgent, updateAgent } from "@/lib/agents/service";
import { api, json, otherMethods, parseBody, pathId, readJson } from "@/lib/api/http";

export const GET = api<{ id: string }>(
  async ({ db, caller }, { id }) => json(await getAgent(db, caller, pathId(id, "agent_not_found"))),
  { workspaceKey: true },
);

export const PATCH = api<{ id: string }>(
  async ({ db, caller, request }, { id }) => {
    const body = parseBody(updateAgentBody, await readJson(request));
    return json(await updateAgent(db, caller, pathId(id, "agent_not_found"), body));
  },
  { workspaceKey: true },
);

export const { POST, PUT, DELETE } = otherMethods("GET, PATCH");
