import { createAgentBody } from "@/lib/agents/schemas";
import { createAgent, listAgents } from "@/lib/agents/service";
import { api, json, otherMethods, parseBody, readJson } from "@/lib/api/http";

export const GET = api(async ({ db, caller }) => json({ data: await listAgents(db, caller) }), { workspaceKey: true });

export const POST = api(
  async ({ db, caller, request }) =>
    json(await createAgent(db, caller, parseBody(createAgentBody, await readJson(request))), 201),
  { workspaceKey: true },
);

export const { PUT, PATCH, DELETE } = otherMethods("GET, POST");
