import { apiKeyListSchema, createApiKeyBody, createdApiKeySchema } from "../../auth/api-key-schemas";
import * as apiKeys from "../../auth/api-keys";
import { json, noContent, pathId } from "../http";
import { defineOperation } from "../operation";

export const listApiKeys = defineOperation({
  method: "get",
  path: "/api-keys",
  tag: "API keys",
  summary: "List API keys",
  description: "Keys that still work, without their secrets.",
  workspaceKey: true,
  replies: { 200: { description: "Every key, oldest first.", schema: apiKeyListSchema } },
  errors: [],
  handle: async ({ db, caller }) => json({ data: await apiKeys.listApiKeys(db, caller) }),
});

export const createApiKey = defineOperation({
  method: "post",
  path: "/api-keys",
  tag: "API keys",
  summary: "Create an API key",
  description:
    "Workspace-wide, or restricted to one agent's conversations with `agent_id`. The secret is in this response only; Tapdesk stores a keyed hash.",
  workspaceKey: true,
  body: createApiKeyBody,
  example: { name: "Support bot" },
  replies: { 201: { description: "The key and its secret.", schema: createdApiKeySchema } },
  errors: ["agent_not_found"],
  handle: async ({ db, caller, body }) => {
    const { name, agent_id } = await body();
    return json(await apiKeys.createApiKey(db, caller, { name, agentId: agent_id }), 201);
  },
});

export const revokeApiKey = defineOperation({
  method: "delete",
  path: "/api-keys/{id}",
  tag: "API keys",
  summary: "Revoke an API key",
  description: "It stops working at once.",
  workspaceKey: true,
  replies: { 204: { description: "Revoked." } },
  errors: ["api_key_not_found"],
  handle: async ({ db, caller }, { id }) => {
    await apiKeys.revokeApiKey(db, caller, pathId(id, "api_key_not_found"));
    return noContent();
  },
});
