import * as agents from "../agents/schemas";
import * as audit from "../audit/schemas";
import * as apiKeys from "../auth/api-key-schemas";
import { RULES } from "../auth/throttle";
import * as contactRules from "../contact-rules/schemas";
import * as conversations from "../conversations/schemas";
import { ERRORS, type ErrorCode } from "../errors";
import * as messages from "../messages/schemas";
import * as sandbox from "../sandbox";
import * as tapbacks from "../tapbacks/schemas";
import * as webhooks from "../webhooks/schemas";
import * as z from "../zod";
import { examplePathId } from "./examples";
import { MAX_BODY_BYTES } from "./http";
import { MAX_KEY_LENGTH } from "./idempotency";
import type { Operation } from "./operation";
import { OPERATIONS } from "./operations";
import { sendReaction } from "./operations/reactions";
import { problemSchema } from "./schemas";

/**
 * The OpenAPI 3.1 document of /api/v1, built from the operations the route files route
 * (lib/api/operations) and the zod schemas they parse with and reply with: one definition,
 * so the document cannot drift from the code.
 */

/** Components: named schemas referenced by `$ref` wherever they appear. */
const RESPONSE_COMPONENTS: Record<string, z.ZodType> = {
  Reaction: tapbacks.reactionSchema,
  CompactReaction: tapbacks.compactReactionSchema,
  Sticker: tapbacks.stickerSchema,
  Removed: tapbacks.removedSchema,
  Message: messages.messageSchema,
  MessagePart: messages.partSchema,
  PartReaction: messages.partReactionSchema,
  ChatHandle: messages.chatHandleSchema,
  MessagePage: messages.messagePageSchema,
  Conversation: conversations.conversationSchema,
  ConversationPage: conversations.conversationPageSchema,
  Agent: agents.agentSchema,
  AgentList: agents.agentListSchema,
  ContactRule: contactRules.contactRuleSchema,
  ContactRuleList: contactRules.contactRuleListSchema,
  ApiKey: apiKeys.apiKeySchema,
  CreatedApiKey: apiKeys.createdApiKeySchema,
  ApiKeyList: apiKeys.apiKeyListSchema,
  SandboxConversation: sandbox.sandboxConversationSchema,
  AssignmentStatus: sandbox.assignmentStatusSchema,
  UpstreamMode: sandbox.upstreamModeSchema,
  UpstreamModeResult: sandbox.upstreamModeResultSchema,
  WebhookEndpoint: webhooks.endpointObject,
  CreatedWebhookEndpoint: webhooks.createdEndpointObject,
  WebhookEndpointList: webhooks.endpointListObject,
  RotatedSecret: webhooks.rotatedSecretObject,
  WebhookDelivery: webhooks.deliveryObject,
  WebhookDeliveryDetail: webhooks.deliveryDetailObject,
  WebhookDeliveryList: webhooks.deliveryListObject,
  WebhookEvent: webhooks.webhookEventObject,
  ReactionChange: audit.reactionChangeSchema,
  ReactionChangePage: audit.reactionChangePageSchema,
  Problem: problemSchema,
};

const REQUEST_COMPONENTS: Record<string, z.ZodType> = {
  SendReactionRequest: tapbacks.sendReactionBody,
  ReactionOperationRequest: tapbacks.reactionOperationBody,
  SendMessageRequest: messages.sendMessageBody,
  CreateAgentRequest: agents.createAgentBody,
  UpdateAgentRequest: agents.updateAgentBody,
  CreateContactRuleRequest: contactRules.contactRuleBody,
  CreateApiKeyRequest: apiKeys.createApiKeyBody,
  SandboxConversationRequest: sandbox.createConversationBody,
  HumanReactionRequest: sandbox.humanReactionBody,
  UpstreamModeRequest: sandbox.upstreamModeBody,
  CreateWebhookEndpointRequest: webhooks.createEndpointBody,
  UpdateWebhookEndpointRequest: webhooks.updateEndpointBody,
  RotateSecretRequest: webhooks.rotateSecretBody,
};

/**
 * What every POST checks once its key is accepted (lib/api/http.ts): the Idempotency-Key's
 * form; with one, the body's size, as it is read to fingerprint the request (413 even where
 * the operation takes no body); then the key's claim.
 */
const IDEMPOTENCY_ERRORS: ErrorCode[] = [
  "invalid_idempotency_key",
  "payload_too_large",
  "idempotency_key_reused",
  "idempotency_key_in_use",
];

/** The problems of an operation, in the order they are checked (a POST's idempotency right after the key). */
export function operationErrors(op: Operation): ErrorCode[] {
  if (op.method !== "post") return op.errors;
  const key = Math.max(op.errors.indexOf("unauthorized"), op.errors.indexOf("workspace_key_required")) + 1;
  const rest = op.errors.slice(key).filter((code) => !IDEMPOTENCY_ERRORS.includes(code));
  return [...op.errors.slice(0, key), ...IDEMPOTENCY_ERRORS, ...rest];
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
  return [...path.matchAll(/([\w-]+)\/\{(\w+)\}/g)].map(([, collection, name]) => {
    const example = examplePathId(collection!, name!);
    // A bridge attachment is named by BlueBubbles' own GUID, not by a Tapdesk id.
    if (name === "guid") {
      return {
        name,
        in: "path",
        required: true,
        description: "The attachment's GUID on the BlueBubbles server, as in the sticker's or part's `url`.",
        schema: { type: "string" },
        example,
      };
    }
    return {
      name,
      in: "path",
      required: true,
      description: "A UUID; anything else names nothing and answers 404.",
      schema: { type: "string", format: "uuid" },
      example,
    };
  });
}

/**
 * The operation's problems as a Markdown table in its description, in the order they are
 * checked (the first that applies is the answer): the reference's renderer groups responses by
 * status, which loses that order. Built from the same list as the responses and `x-error-codes`.
 */
function errorTable(errors: ErrorCode[]): string {
  const rows = errors.map((code, i) => `| ${i + 1} | ${ERRORS[code].status} | \`${code}\` | ${ERRORS[code].title} |`);
  return [
    "**Errors, in the order they are checked** (the first that applies is the answer):",
    "",
    "| # | Status | Code | Problem |",
    "|---|---|---|---|",
    ...rows,
  ].join("\n");
}

const DESCRIPTION = `The Tapdesk agent API: iMessage tapbacks for AI agents, with two vendors' reaction contracts on one engine: the agent-platform contract (\`POST /reactions\` with \`message_id\` and \`reaction\`) and Linq's operation form (\`POST /messages/{id}/reactions\` with \`operation\` \`add\` or \`remove\` and \`type\`). Both run the same checks, in the same order, and answer the same reaction object; every message read carries both vendors' shapes (the message-level \`reactions\` and, per part, Linq's \`value\` and \`reactions\`).

Authenticate every request with \`Authorization: Bearer <API key>\`. A key is workspace-wide or restricted to one agent; an agent key sees only that agent's conversations, and anything it may not see answers exactly like something that does not exist (404). Workspace settings (agents, contact rules, API keys, webhook endpoints) take workspace-wide keys only. An address that sends ${RULES.apiKeyAddress.points} wrong keys within ${RULES.apiKeyAddress.windowS} seconds gets 429 too_many_requests with \`Retry-After\` for every request without a valid key until its lock ends (${RULES.apiKeyAddress.firstLockS} seconds, doubling on each further lock up to ${RULES.apiKeyAddress.maxLockS / 3600} hour); a valid key is never refused for its address.

Request bodies are JSON of at most ${MAX_BODY_BYTES / 1024} KiB (413 above). Unknown fields, wrong types and strings where numbers belong are 422 validation_failed, with \`errors[]\` naming each bad field. Ids that are not UUIDs name nothing: 404, in the path and in \`message_id\` alike.

Every POST accepts an \`Idempotency-Key\` header (1 to ${MAX_KEY_LENGTH} characters, kept 24 hours, per API key): the same key with the same method, path and body replays the first response byte for byte (with \`Idempotent-Replayed: true\`); with a different request it is 422 idempotency_key_reused; while the first is still running, 409 idempotency_key_in_use. 5xx answers (502 upstream_delivery_failed among them) are not stored, so a retry really runs again — except 504 upstream_outcome_unknown: the key stays bound until Tapdesk has settled what the upstream did, a retry with it sends nothing (504 again while unsettled), answers the settled result once it is known, and runs afresh only when the upstream is known not to have sent it.

Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\`. Each operation's description lists its problems in the order they are checked; the first that applies is the answer. A tapback send checks, in this order: ${operationErrors(
  sendReaction,
)
  .map((c) => `${ERRORS[c].status} ${c}`)
  .join(
    "; ",
  )}. A 502 changed nothing and is safe to retry. A 504 upstream_outcome_unknown may have been delivered: do not send it again blindly; Tapdesk settles it from the upstream and records what really happened, and a retry with the same Idempotency-Key answers that.`;

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
          : reply.file
            ? { content: { [reply.mediaType ?? "*/*"]: {} } }
            : {}),
      };
    }
    const errors = operationErrors(op);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errors) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
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
      description: [
        [op.description, op.workspaceKey ? "Workspace-wide keys only." : ""].filter(Boolean).join(" "),
        errorTable(errors),
      ]
        .filter(Boolean)
        .join("\n\n"),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: {
                "application/json": {
                  schema: refTo(op.body, REQUEST_COMPONENTS, "input"),
                  ...(op.example === undefined ? {} : { example: op.example }),
                },
              },
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
