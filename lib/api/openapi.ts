import { agentListSchema, agentSchema, createAgentBody, updateAgentBody } from "../agents/schemas";
import { reactionChangePageSchema, reactionChangeSchema, reactionChangesQuery } from "../audit/schemas";
import { apiKeyListSchema, apiKeySchema, createApiKeyBody, createdApiKeySchema } from "../auth/api-key-schemas";
import { contactRuleBody, contactRuleListSchema, contactRuleSchema } from "../contact-rules/schemas";
import { conversationPageSchema, conversationSchema, listConversationsQuery } from "../conversations/schemas";
import { ERRORS } from "../errors";
import { listMessagesQuery, messagePageSchema, messageSchema, partSchema, sendMessageBody } from "../messages/schemas";
import {
  assignmentStatusSchema,
  createConversationBody,
  humanReactionBody,
  sandboxConversationSchema,
  upstreamModeBody,
  upstreamModeResultSchema,
  upstreamModeSchema,
} from "../sandbox";
import {
  compactReactionSchema,
  reactionOperationBody,
  reactionSchema,
  removedSchema,
  sendReactionBody,
  stickerSchema,
} from "../tapbacks/schemas";
import {
  createdEndpointObject,
  createEndpointBody,
  deliveryDetailObject,
  deliveryListObject,
  deliveryListQuery,
  deliveryObject,
  endpointListObject,
  endpointObject,
  rotatedSecretObject,
  rotateSecretBody,
  updateEndpointBody,
  webhookEventObject,
} from "../webhooks/schemas";
import * as z from "../zod";
import { type Code, EXTRA, MAX_BODY_BYTES } from "./http";
import { MAX_KEY_LENGTH } from "./idempotency";
import { problemSchema } from "./schemas";

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the route handlers
 * parse with and the serializers are typed by: one definition, so the document cannot
 * drift from the code. tests/api-openapi.test.ts checks that every route is listed here.
 */

type Method = "get" | "post" | "put" | "patch" | "delete";

interface Reply {
  description: string;
  schema?: z.ZodType;
}

export interface Operation {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Workspace settings: agent-restricted keys get 403 workspace_key_required. */
  workspaceKey?: boolean;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out altogether. */
  bodyOptional?: boolean;
  replies: Partial<Record<200 | 201 | 202 | 204, Reply>>;
  /** The problems this operation can answer, in the order they are checked. */
  errors: Code[];
}

/** Components: named schemas referenced by `$ref` wherever they appear. */
const RESPONSE_COMPONENTS: Record<string, z.ZodType> = {
  Reaction: reactionSchema,
  CompactReaction: compactReactionSchema,
  Sticker: stickerSchema,
  Removed: removedSchema,
  Message: messageSchema,
  MessagePart: partSchema,
  MessagePage: messagePageSchema,
  Conversation: conversationSchema,
  ConversationPage: conversationPageSchema,
  Agent: agentSchema,
  AgentList: agentListSchema,
  ContactRule: contactRuleSchema,
  ContactRuleList: contactRuleListSchema,
  ApiKey: apiKeySchema,
  CreatedApiKey: createdApiKeySchema,
  ApiKeyList: apiKeyListSchema,
  SandboxConversation: sandboxConversationSchema,
  AssignmentStatus: assignmentStatusSchema,
  UpstreamMode: upstreamModeSchema,
  UpstreamModeResult: upstreamModeResultSchema,
  WebhookEndpoint: endpointObject,
  CreatedWebhookEndpoint: createdEndpointObject,
  WebhookEndpointList: endpointListObject,
  RotatedSecret: rotatedSecretObject,
  WebhookDelivery: deliveryObject,
  WebhookDeliveryDetail: deliveryDetailObject,
  WebhookDeliveryList: deliveryListObject,
  WebhookEvent: webhookEventObject,
  ReactionChange: reactionChangeSchema,
  ReactionChangePage: reactionChangePageSchema,
  Problem: problemSchema,
};

const REQUEST_COMPONENTS: Record<string, z.ZodType> = {
  SendReactionRequest: sendReactionBody,
  ReactionOperationRequest: reactionOperationBody,
  SendMessageRequest: sendMessageBody,
  CreateAgentRequest: createAgentBody,
  UpdateAgentRequest: updateAgentBody,
  CreateContactRuleRequest: contactRuleBody,
  CreateApiKeyRequest: createApiKeyBody,
  SandboxConversationRequest: createConversationBody,
  HumanReactionRequest: humanReactionBody,
  UpstreamModeRequest: upstreamModeBody,
  CreateWebhookEndpointRequest: createEndpointBody,
  UpdateWebhookEndpointRequest: updateEndpointBody,
  RotateSecretRequest: rotateSecretBody,
};

/** The error table of SPEC §3, in its order: what every tapback send can answer. */
const REACTION_ERRORS: Code[] = [
  "unauthorized",
  "payload_too_large",
  "invalid_json",
  "validation_failed",
  "invalid_reaction",
  "invalid_part_index",
  "message_not_found",
  "reaction_not_sendable",
  "identity_not_imessage",
  "contact_blocked",
  "recipient_disconnected",
  "message_not_reactable",
  "upstream_delivery_failed",
];
const BODY_ERRORS: Code[] = ["unauthorized", "payload_too_large", "invalid_json", "validation_failed"];
const SETTINGS: Code[] = ["unauthorized", "workspace_key_required"];
const SETTINGS_BODY: Code[] = [...SETTINGS, "payload_too_large", "invalid_json", "validation_failed"];

export const OPERATIONS: Operation[] = [
  // Reactions
  {
    method: "post",
    path: "/reactions",
    tag: "Reactions",
    summary: "Send a tapback",
    description:
      "The agent of the message's conversation reacts. A new tapback on a part where the agent already has one replaces it in place (same id and created_at, next sequence). Sending the live tapback again changes nothing.",
    body: sendReactionBody,
    replies: {
      201: { description: "Added, or replaced in place.", schema: reactionSchema },
      200: { description: "No-op: that tapback was already live. The same object back.", schema: reactionSchema },
    },
    errors: REACTION_ERRORS,
  },
  {
    method: "post",
    path: "/messages/{id}/reactions",
    tag: "Reactions",
    summary: "Add or remove a reaction (operation form)",
    description:
      "`add` behaves like POST /reactions. `remove` takes the agent's live tapback off the part when it is of `type` (for `custom`, also of `custom_emoji` when given); otherwise it is a no-op.",
    body: reactionOperationBody,
    replies: {
      201: { description: "add: added, or replaced in place.", schema: reactionSchema },
      200: {
        description: "add: no-op, the same object back. remove: `{removed: true | false}`.",
        schema: z.union([reactionSchema, removedSchema]),
      },
    },
    errors: REACTION_ERRORS,
  },
  {
    method: "get",
    path: "/reactions/{id}",
    tag: "Reactions",
    summary: "Get a live reaction",
    replies: { 200: { description: "The reaction.", schema: reactionSchema } },
    errors: ["unauthorized", "reaction_not_found"],
  },
  {
    method: "delete",
    path: "/reactions/{id}",
    tag: "Reactions",
    summary: "Remove the agent's own tapback",
    description: "A reaction placed by the human cannot be removed (403 reaction_not_owned).",
    replies: { 204: { description: "Removed." } },
    errors: [
      "unauthorized",
      "reaction_not_found",
      "reaction_not_owned",
      "identity_not_imessage",
      "contact_blocked",
      "recipient_disconnected",
      "upstream_delivery_failed",
    ],
  },
  // Conversations and messages
  {
    method: "get",
    path: "/conversations",
    tag: "Conversations",
    summary: "List conversations",
    description: "Newest activity first, cursor-paginated. An agent key lists only its agent's conversations.",
    query: listConversationsQuery,
    replies: { 200: { description: "One page.", schema: conversationPageSchema } },
    errors: ["unauthorized", "validation_failed"],
  },
  {
    method: "get",
    path: "/conversations/{id}",
    tag: "Conversations",
    summary: "Get a conversation",
    replies: { 200: { description: "The conversation.", schema: conversationSchema } },
    errors: ["unauthorized", "conversation_not_found"],
  },
  {
    method: "get",
    path: "/conversations/{id}/messages",
    tag: "Conversations",
    summary: "List a conversation's messages",
    description: "Oldest to newest, each with its parts and live reactions. Page back with `before`.",
    query: listMessagesQuery,
    replies: { 200: { description: "One page.", schema: messagePageSchema } },
    errors: ["unauthorized", "validation_failed", "conversation_not_found", "message_not_found"],
  },
  {
    method: "post",
    path: "/conversations/{id}/messages",
    tag: "Conversations",
    summary: "Send a message as the agent",
    body: sendMessageBody,
    replies: { 201: { description: "The message.", schema: messageSchema } },
    errors: [
      ...BODY_ERRORS,
      "conversation_not_found",
      "identity_not_imessage",
      "contact_blocked",
      "recipient_disconnected",
      "upstream_delivery_failed",
    ],
  },
  {
    method: "get",
    path: "/messages/{id}",
    tag: "Conversations",
    summary: "Get a message",
    replies: { 200: { description: "The message with parts and reactions.", schema: messageSchema } },
    errors: ["unauthorized", "message_not_found"],
  },
  {
    method: "get",
    path: "/messages/{id}/reaction-changes",
    tag: "Conversations",
    summary: "List a message's reaction changes (the audit trail)",
    description:
      "Every add, replace and remove on the message's parts, oldest first, each with its slot's sequence and who made it: an API key (by name), an operator (by email), the human, or the bridge.",
    query: reactionChangesQuery,
    replies: { 200: { description: "One page of changes, oldest first.", schema: reactionChangePageSchema } },
    errors: ["unauthorized", "validation_failed", "message_not_found"],
  },
  // Settings
  {
    method: "get",
    path: "/agents",
    tag: "Agents",
    summary: "List agents",
    workspaceKey: true,
    replies: { 200: { description: "Every agent, oldest first.", schema: agentListSchema } },
    errors: SETTINGS,
  },
  {
    method: "post",
    path: "/agents",
    tag: "Agents",
    summary: "Create an agent",
    workspaceKey: true,
    body: createAgentBody,
    replies: { 201: { description: "The agent.", schema: agentSchema } },
    errors: [...SETTINGS_BODY, "agent_handle_taken"],
  },
  {
    method: "get",
    path: "/agents/{id}",
    tag: "Agents",
    summary: "Get an agent",
    workspaceKey: true,
    replies: { 200: { description: "The agent.", schema: agentSchema } },
    errors: [...SETTINGS, "agent_not_found"],
  },
  {
    method: "patch",
    path: "/agents/{id}",
    tag: "Agents",
    summary: "Update an agent",
    description:
      'Rename it, flip its flags, or link its BlueBubbles bridge (`bridge: {kind: "bluebubbles", url, password}`; `{kind: "sandbox"}` unlinks it). Linking calls the bridge\'s server info first and registers Tapdesk\'s webhook on it; an unreachable server or a wrong password is 422 `bridge_unreachable` and nothing is saved. The handle cannot change.',
    workspaceKey: true,
    body: updateAgentBody,
    replies: { 200: { description: "The agent.", schema: agentSchema } },
    errors: [...SETTINGS_BODY, "agent_not_found", "bridge_url_not_allowed", "bridge_in_use", "bridge_unreachable"],
  },
  {
    method: "get",
    path: "/agents/{id}/bridge/attachments/{guid}",
    tag: "Agents",
    summary: "A bridge attachment",
    description:
      "The image of a sticker, or a file the human sent, fetched from the agent's BlueBubbles bridge. The `url` of such stickers and attachment parts points here; it carries no bridge password. Also answers signed-in operators (the dashboard).",
    replies: { 200: { description: "The file, with its content type." } },
    errors: ["unauthorized", "not_found", "upstream_delivery_failed"],
  },
  {
    method: "get",
    path: "/contact-rules",
    tag: "Contact rules",
    summary: "List contact rules",
    workspaceKey: true,
    replies: { 200: { description: "Every rule, oldest first.", schema: contactRuleListSchema } },
    errors: SETTINGS,
  },
  {
    method: "post",
    path: "/contact-rules",
    tag: "Contact rules",
    summary: "Block a number or a prefix",
    description: "The workspace's agents can then neither message nor react to a matching human (403 contact_blocked).",
    workspaceKey: true,
    body: contactRuleBody,
    replies: { 201: { description: "The rule.", schema: contactRuleSchema } },
    errors: [...SETTINGS_BODY, "contact_rule_exists"],
  },
  {
    method: "delete",
    path: "/contact-rules/{id}",
    tag: "Contact rules",
    summary: "Remove a contact rule",
    workspaceKey: true,
    replies: { 204: { description: "Removed." } },
    errors: [...SETTINGS, "contact_rule_not_found"],
  },
  {
    method: "get",
    path: "/api-keys",
    tag: "API keys",
    summary: "List API keys",
    description: "Keys that still work, without their secrets.",
    workspaceKey: true,
    replies: { 200: { description: "Every key, oldest first.", schema: apiKeyListSchema } },
    errors: SETTINGS,
  },
  {
    method: "post",
    path: "/api-keys",
    tag: "API keys",
    summary: "Create an API key",
    description:
      "Workspace-wide, or restricted to one agent's conversations with `agent_id`. The secret is in this response only; Tapdesk stores a keyed hash.",
    workspaceKey: true,
    body: createApiKeyBody,
    replies: { 201: { description: "The key and its secret.", schema: createdApiKeySchema } },
    errors: [...SETTINGS_BODY, "agent_not_found"],
  },
  {
    method: "delete",
    path: "/api-keys/{id}",
    tag: "API keys",
    summary: "Revoke an API key",
    description: "It stops working at once.",
    workspaceKey: true,
    replies: { 204: { description: "Revoked." } },
    errors: [...SETTINGS, "api_key_not_found"],
  },
  // Webhooks (SPEC §4)
  {
    method: "get",
    path: "/webhook-endpoints",
    tag: "Webhooks",
    summary: "List webhook endpoints",
    workspaceKey: true,
    replies: { 200: { description: "Every endpoint.", schema: endpointListObject } },
    errors: SETTINGS,
  },
  {
    method: "post",
    path: "/webhook-endpoints",
    tag: "Webhooks",
    summary: "Create a webhook endpoint",
    description:
      "Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). The signing secret is in this response only. Private, loopback and link-local addresses are refused.",
    workspaceKey: true,
    body: createEndpointBody,
    replies: { 201: { description: "The endpoint and its secret.", schema: createdEndpointObject } },
    errors: [...SETTINGS_BODY, "webhook_url_not_allowed"],
  },
  {
    method: "get",
    path: "/webhook-endpoints/{id}",
    tag: "Webhooks",
    summary: "Get a webhook endpoint",
    workspaceKey: true,
    replies: { 200: { description: "The endpoint.", schema: endpointObject } },
    errors: [...SETTINGS, "webhook_endpoint_not_found"],
  },
  {
    method: "patch",
    path: "/webhook-endpoints/{id}",
    tag: "Webhooks",
    summary: "Update a webhook endpoint",
    workspaceKey: true,
    body: updateEndpointBody,
    replies: { 200: { description: "The endpoint.", schema: endpointObject } },
    errors: [...SETTINGS_BODY, "webhook_endpoint_not_found", "webhook_url_not_allowed"],
  },
  {
    method: "delete",
    path: "/webhook-endpoints/{id}",
    tag: "Webhooks",
    summary: "Delete a webhook endpoint",
    workspaceKey: true,
    replies: { 204: { description: "Deleted." } },
    errors: [...SETTINGS, "webhook_endpoint_not_found"],
  },
  {
    method: "post",
    path: "/webhook-endpoints/{id}/rotate-secret",
    tag: "Webhooks",
    summary: "Rotate the signing secret",
    description:
      "The old secret keeps signing beside the new one for `overlap_seconds` (default 24 h). The body is optional.",
    workspaceKey: true,
    body: rotateSecretBody,
    bodyOptional: true,
    replies: { 200: { description: "The new secret, shown once.", schema: rotatedSecretObject } },
    errors: [...SETTINGS_BODY, "webhook_endpoint_not_found"],
  },
  {
    method: "get",
    path: "/webhook-endpoints/{id}/deliveries",
    tag: "Webhooks",
    summary: "The delivery log",
    description: "Newest first.",
    workspaceKey: true,
    query: deliveryListQuery,
    replies: { 200: { description: "One page.", schema: deliveryListObject } },
    errors: [...SETTINGS, "validation_failed", "webhook_endpoint_not_found", "webhook_delivery_not_found"],
  },
  {
    method: "get",
    path: "/webhook-endpoints/{id}/deliveries/{deliveryId}",
    tag: "Webhooks",
    summary: "One delivery with its payload and every attempt",
    workspaceKey: true,
    replies: { 200: { description: "The delivery.", schema: deliveryDetailObject } },
    errors: [...SETTINGS, "webhook_endpoint_not_found", "webhook_delivery_not_found"],
  },
  {
    method: "post",
    path: "/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver",
    tag: "Webhooks",
    summary: "Redeliver",
    description: "Queued again now, with the same webhook-id and a fresh retry schedule.",
    workspaceKey: true,
    replies: { 202: { description: "The delivery, queued.", schema: deliveryObject } },
    errors: [...SETTINGS, "webhook_endpoint_not_found", "webhook_delivery_not_found", "webhook_endpoint_disabled"],
  },
  // Sandbox (SPEC §5)
  {
    method: "post",
    path: "/sandbox/conversations",
    tag: "Sandbox",
    summary: "Start a conversation with a sandbox human",
    description:
      "Creates an assignment and its conversation. Sandbox controls exist only while the sandbox is the upstream.",
    body: createConversationBody,
    replies: { 201: { description: "The new conversation.", schema: sandboxConversationSchema } },
    errors: [...BODY_ERRORS, "not_found"],
  },
  {
    method: "post",
    path: "/sandbox/conversations/{id}/inbound",
    tag: "Sandbox",
    summary: "The human sends a message",
    body: sendMessageBody,
    replies: { 201: { description: "The message.", schema: messageSchema } },
    errors: [...BODY_ERRORS, "conversation_not_found"],
  },
  {
    method: "post",
    path: "/sandbox/messages/{id}/reactions",
    tag: "Sandbox",
    summary: "The human reacts",
    description: "Humans may use any emoji and stickers.",
    body: humanReactionBody,
    replies: {
      201: { description: "Added, or replaced in place.", schema: reactionSchema },
      200: { description: "No-op, or a removal: `{removed}`.", schema: z.union([reactionSchema, removedSchema]) },
    },
    errors: [...BODY_ERRORS, "invalid_reaction", "invalid_part_index", "message_not_found"],
  },
  {
    method: "post",
    path: "/sandbox/assignments/{id}/disconnect",
    tag: "Sandbox",
    summary: "The human disconnects",
    replies: { 200: { description: "The assignment.", schema: assignmentStatusSchema } },
    errors: ["unauthorized", "not_found"],
  },
  {
    method: "post",
    path: "/sandbox/assignments/{id}/reconnect",
    tag: "Sandbox",
    summary: "The human reconnects",
    replies: { 200: { description: "The assignment.", schema: assignmentStatusSchema } },
    errors: ["unauthorized", "not_found"],
  },
  {
    method: "get",
    path: "/sandbox/upstream",
    tag: "Sandbox",
    summary: "The sandbox upstream's fault mode and latency",
    replies: { 200: { description: "The mode.", schema: upstreamModeSchema } },
    errors: ["unauthorized", "not_found"],
  },
  {
    method: "put",
    path: "/sandbox/upstream",
    tag: "Sandbox",
    summary: "Set the sandbox upstream's fault mode and latency",
    description:
      "`fail`: every delivery fails (502). `hold`: new outbound messages stay queued until `ok`. `latency_ms` delays every delivery, to show that a slow upstream blocks nothing else. The sandbox controls answer 404 for conversations whose agent is on a BlueBubbles bridge.",
    body: upstreamModeBody,
    replies: {
      200: { description: "The mode, and how many held messages went out.", schema: upstreamModeResultSchema },
    },
    errors: [...BODY_ERRORS, "not_found"],
  },
];

const IDEMPOTENCY_ERRORS: Code[] = ["invalid_idempotency_key", "idempotency_key_reused", "idempotency_key_in_use"];

/** The problems of an operation, in the order they are checked (idempotency right after auth). */
export function operationErrors(op: Operation): Code[] {
  if (op.method !== "post") return op.errors;
  const [first, ...rest] = op.errors;
  return first === "unauthorized" ? [first, ...IDEMPOTENCY_ERRORS, ...rest] : [...IDEMPOTENCY_ERRORS, ...op.errors];
}

export function statusOf(code: Code): number {
  return code in ERRORS ? ERRORS[code as keyof typeof ERRORS].status : EXTRA[code as keyof typeof EXTRA].status;
}

type JsonSchema = Record<string, unknown>;

/** Named schemas as components; drops the regex patterns zod adds to formats (the format says it). */
function components(named: Record<string, z.ZodType>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io,
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: "any",
  }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema;
      return [id, tidy(rest) as JsonSchema];
    }),
  );
}

function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (value === null || typeof value !== "object") return value;
  const object = value as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, v] of Object.entries(object)) {
    if (key === "pattern" && (object.format === "uuid" || object.format === "date-time")) continue;
    // Safe-integer bounds are how zod spells "an integer"; they only add noise.
    if ((key === "minimum" || key === "maximum") && Math.abs(Number(v)) === Number.MAX_SAFE_INTEGER) continue;
    out[key] = tidy(v);
  }
  return out;
}

function refTo(schema: z.ZodType, named: Record<string, z.ZodType>, io: "input" | "output"): JsonSchema {
  const id = Object.entries(named).find(([, s]) => s === schema)?.[0];
  if (id) return { $ref: `#/components/schemas/${id}` };
  // Unnamed (a union of named ones): inline, with references to the named parts.
  const registry = z.registry<{ id: string }>();
  for (const [name, s] of Object.entries(named)) registry.add(s, { id: name });
  const inline = z.toJSONSchema(schema, { io, metadata: registry, unrepresentable: "any" }) as JsonSchema;
  // The named parts come out as local $defs; they are components already.
  const { $schema: _s, $defs: _d, ...rest } = inline;
  return JSON.parse(JSON.stringify(tidy(rest)).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

function queryParameters(query: z.ZodObject): JsonSchema[] {
  const schema = tidy(z.toJSONSchema(query, { io: "input" })) as {
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(schema.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: "query",
      required: schema.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function pathParameters(path: string): JsonSchema[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    description: "A UUID; anything else names nothing and answers 404.",
    schema: { type: "string", format: "uuid" },
  }));
}

const DESCRIPTION = `The Tapdesk agent API: iMessage tapbacks for AI agents, with both vendors' reaction contracts on one engine.

Authenticate every request with \`Authorization: Bearer <API key>\`. A key is workspace-wide or restricted to one agent; an agent key sees only that agent's conversations, and anything it may not see answers exactly like something that does not exist (404). Workspace settings (agents, contact rules, API keys, webhook endpoints) take workspace-wide keys only.

Request bodies are JSON of at most ${MAX_BODY_BYTES / 1024} KiB (413 above). Unknown fields, wrong types and strings where numbers belong are 422 validation_failed, with \`errors[]\` naming each bad field. Ids that are not UUIDs name nothing: 404, in the path and in \`message_id\` alike.

Every POST accepts an \`Idempotency-Key\` header (1 to ${MAX_KEY_LENGTH} characters, kept 24 hours, per API key): the same key with the same method, path and body replays the first response byte for byte (with \`Idempotent-Replayed: true\`); with a different request it is 422 idempotency_key_reused; while the first is still running, 409 idempotency_key_in_use. 5xx answers (502 upstream_delivery_failed among them) are not stored, so a retry really runs again.

Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\`. A tapback send checks, in this order: ${REACTION_ERRORS.filter(
  (c) => c !== "payload_too_large",
)
  .map((c) => `${statusOf(c)} ${c}`)
  .join("; ")}. A 502 changed nothing and is safe to retry.`;

export function openApiDocument() {
  const responseComponents = components(RESPONSE_COMPONENTS, "output");
  const requestComponents = components(REQUEST_COMPONENTS, "input");
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {};
    for (const [status, reply] of Object.entries(op.replies)) {
      responses[status] = {
        description: reply.description,
        ...(reply.schema
          ? { content: { "application/json": { schema: refTo(reply.schema, RESPONSE_COMPONENTS, "output") } } }
          : {}),
      };
    }
    const errors = operationErrors(op);
    const byStatus = new Map<number, Code[]>();
    for (const code of errors) byStatus.set(statusOf(code), [...(byStatus.get(statusOf(code)) ?? []), code]);
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = {
        description: codes.join(", "),
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    const parameters = [
      ...pathParameters(op.path),
      ...(op.query ? queryParameters(op.query) : []),
      ...(op.method === "post" ? [{ $ref: "#/components/parameters/IdempotencyKey" }] : []),
    ];
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: operationId(op),
      tags: [op.tag],
      summary: op.summary,
      ...(op.description || op.workspaceKey
        ? {
            description: [op.description, op.workspaceKey ? "Workspace-wide keys only." : ""].filter(Boolean).join(" "),
          }
        : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: { "application/json": { schema: refTo(op.body, REQUEST_COMPONENTS, "input") } },
            },
          }
        : {}),
      responses,
      "x-error-codes": errors,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Tapdesk API", version: "1.0.0", description: DESCRIPTION },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    tags: [...new Set(OPERATIONS.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...requestComponents, ...responseComponents },
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API key (td_…)." } },
      parameters: {
        IdempotencyKey: {
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description: `Makes the POST safe to retry: 1 to ${MAX_KEY_LENGTH} characters, kept 24 hours.`,
          schema: { type: "string", minLength: 1, maxLength: MAX_KEY_LENGTH },
        },
      },
    },
  };
}

function operationId(op: Operation): string {
  const words = op.path
    .split("/")
    .filter(Boolean)
    .map((part) => (part.startsWith("{") ? "ById" : part.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())))
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1));
  return op.method + words.join("");
}
