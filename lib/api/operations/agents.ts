import { agentListSchema, agentSchema, createAgentBody, updateAgentBody } from "../../agents/schemas";
import * as agents from "../../agents/service";
import { authenticateApiKey } from "../../auth/api-keys";
import { currentOperator } from "../../auth/session";
import { bridgeAttachment } from "../../bridges/bluebubbles/attachments";
import { db } from "../../db/client";
import { json, pathId, problem } from "../http";
import { defineOperation } from "../operation";

export const listAgents = defineOperation({
  method: "get",
  path: "/agents",
  tag: "Agents",
  summary: "List agents",
  workspaceKey: true,
  replies: { 200: { description: "Every agent, oldest first.", schema: agentListSchema } },
  errors: [],
  handle: async ({ db, caller }) => json({ data: await agents.listAgents(db, caller) }),
});

export const createAgent = defineOperation({
  method: "post",
  path: "/agents",
  tag: "Agents",
  summary: "Create an agent",
  workspaceKey: true,
  body: createAgentBody,
  example: { name: "Support bot", handle: "+14155550142", imessage_enabled: true, custom_emoji_sends: false },
  replies: { 201: { description: "The agent.", schema: agentSchema } },
  errors: ["agent_handle_taken"],
  handle: async ({ db, caller, body }) => json(await agents.createAgent(db, caller, await body()), 201),
});

export const getAgent = defineOperation({
  method: "get",
  path: "/agents/{id}",
  tag: "Agents",
  summary: "Get an agent",
  workspaceKey: true,
  replies: { 200: { description: "The agent.", schema: agentSchema } },
  errors: ["agent_not_found"],
  handle: async ({ db, caller }, { id }) => json(await agents.getAgent(db, caller, pathId(id, "agent_not_found"))),
});

export const updateAgent = defineOperation({
  method: "patch",
  path: "/agents/{id}",
  tag: "Agents",
  summary: "Update an agent",
  description:
    'Rename it, flip its flags, or link its BlueBubbles bridge (`bridge: {kind: "bluebubbles", url, password}`; `{kind: "sandbox"}` unlinks it). Linking calls the bridge\'s server info first and registers Tapdesk\'s webhook on it; an unreachable server or a wrong password is 422 `bridge_unreachable` and nothing is saved. Set `feedback: {kind: "langfuse", url, public_key, secret_key}` to forward the human\'s reactions as Langfuse scores (the secret is sealed and never returned; `null` removes it). The handle cannot change.',
  workspaceKey: true,
  body: updateAgentBody,
  example: { name: "Support bot (EU)", custom_emoji_sends: true },
  replies: { 200: { description: "The agent.", schema: agentSchema } },
  errors: [
    "agent_not_found",
    "bridge_url_not_allowed",
    "bridge_in_use",
    "bridge_unreachable",
    "feedback_url_not_allowed",
  ],
  handle: async ({ db, caller, body }, { id }) => {
    const changes = await body();
    return json(await agents.updateAgent(db, caller, pathId(id, "agent_not_found"), changes));
  },
});

export const getBridgeAttachment = defineOperation({
  method: "get",
  path: "/agents/{id}/bridge/attachments/{guid}",
  tag: "Agents",
  summary: "A bridge attachment",
  description:
    "The image of a sticker, or a file the human sent, fetched from the agent's BlueBubbles bridge. The `url` of such stickers and attachment parts points here; it carries no bridge password. Also answers signed-in operators (the dashboard).",
  replies: { 200: { description: "The file, with its content type.", file: true } },
  errors: ["not_found", "upstream_delivery_failed"],
  // An API key, or a signed-in operator (the dashboard's <img>).
  serve: async (request, { id, guid }) => {
    const prisma = await db();
    const authorization = request.headers.get("authorization");
    const scope = authorization
      ? await authenticateApiKey(prisma, authorization)
      : ((await currentOperator())?.scope ?? null);
    if (!scope) return problem("unauthorized", "Send a valid API key, or sign in.");
    const file = await bridgeAttachment(prisma, scope, id, guid);
    return new Response(Buffer.from(file.bytes), {
      headers: {
        "Content-Type": file.contentType,
        "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff",
      },
    });
  },
});
