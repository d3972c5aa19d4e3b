import { api, json, otherMethods, parseBody, readJson } from "@/lib/api/http";
import { createApiKeyBody } from "@/lib/auth/api-key-schemas";
import { createApiKey, listApiKeys } from "@/lib/auth/api-keys";

export const GET = api(async ({ db, caller }) => json({ data: await listApiKeys(db, caller) }), {
  workspaceKey: true,
});

export const POST = api(
  async ({ db, caller, request }) => {
    const body = parseBody(createApiKeyBody, await readJson(request));
    return json(await createApiKey(db, caller, { name: body.name, agentId: body.agent_id }), 201);
  },
  { workspaceKey: true },
);

export const { PUT, PATCH, DELETE } = otherMethods("GET, POST");
