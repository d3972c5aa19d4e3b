import { createMcpHandler, Server } from "@modelcontextprotocol/server";
import { authenticate, errorResponse, fieldErrors, MAX_BODY_BYTES } from "../api/http";
import type { ApiCaller } from "../auth/api-keys";
import { db } from "../db/client";
import { AppError } from "../errors";
import { currentRequestId, logger } from "../observability/log";
import * as z from "../zod";
import { WAIT_DESCRIPTION, waitForActivity, waitForActivityInput } from "./activity";
import { operationTools, refusalOf, type Tool, type ToolResult } from "./tools";

/**
 * /api/mcp: a Model Context Protocol server over Streamable HTTP (docs/mcp.md). Stateless:
 * every HTTP request gets a fresh server instance for its caller (the SDK's createMcpHandler,
 * serving the 2026-07-28 per-request protocol and 2025-era clients through its stateless
 * fallback), so any instance behind a load balancer can answer any request.
 */

const waitTool = (caller: ApiCaller, arrivedAt: Date): Tool => ({
  name: "wait_for_activity",
  description: WAIT_DESCRIPTION,
  inputSchema: waitForActivityInput,
  annotations: {
    title: "Wait for the person's messages and reactions",
    readOnlyHint: true,
    idempotentHint: true,
    destructiveHint: false,
  },
  call: async (args, _via, signal) => {
    try {
      const parsed = waitForActivityInput.safeParse(args);
      if (!parsed.success) {
        throw new AppError(
          "validation_failed",
          "The tool's arguments do not match its schema.",
          fieldErrors(parsed.error),
        );
      }
      const activity = await waitForActivity(caller, parsed.data, { arrivedAt, signal });
      return { content: [{ type: "text", text: JSON.stringify(activity) }], structuredContent: { ...activity } };
    } catch (error) {
      return refusalOf(error);
    }
  },
});

/** Every tool, in the order of SPEC §10. */
export function toolsFor(caller: ApiCaller, arrivedAt = new Date()): Tool[] {
  return [...operationTools(), waitTool(caller, arrivedAt)];
}

const inputSchemas = new WeakMap<z.ZodObject, Record<string, unknown>>();

/** The tool's input schema as tools/list shows it (JSON Schema of its zod schema's input). */
export function inputSchemaJson(tool: Tool): Record<string, unknown> {
  let json = inputSchemas.get(tool.inputSchema);
  if (!json) {
    const { $schema: _, ...schema } = z.toJSONSchema(tool.inputSchema, { io: "input", unrepresentable: "any" });
    json = schema;
    inputSchemas.set(tool.inputSchema, json);
  }
  return json;
}

function serverFor(caller: ApiCaller, request: Request, arrivedAt: Date): Server {
  const server = new Server(
    { name: "tapdesk", version: "0.1.0" },
    {
      capabilities: { tools: {} },
      instructions:
        "Tapdesk: iMessage conversations between your agent and people, with tapbacks. Read a conversation, send messages and tapbacks, and wait for the person's reply or reaction with wait_for_activity.",
    },
  );
  const tools = toolsFor(caller, arrivedAt);
  server.setRequestHandler("tools/list", async () => ({
    tools: tools.map((tool) => ({
      name: tool.name,
      title: tool.annotations.title,
      description: tool.description,
      inputSchema: inputSchemaJson(tool) as { type: "object" },
      annotations: tool.annotations,
    })),
  }));
  server.setRequestHandler("tools/call", async ({ params }, ctx): Promise<ToolResult> => {
    const tool = tools.find((t) => t.name === params.name);
    if (!tool) {
      return refusalOf(new AppError("not_found", `There is no tool named "${String(params.name).slice(0, 80)}".`));
    }
    try {
      return await tool.call((params.arguments ?? {}) as Record<string, unknown>, { request }, ctx.mcpReq.signal);
    } catch (error) {
      // Never a transport error: whatever went wrong is the call's result.
      return refusalOf(error);
    }
  });
  return server;
}

const CALLER = Symbol("tapdesk.caller");
const ARRIVED = Symbol("tapdesk.arrived-at");

const handler = createMcpHandler(
  ({ authInfo, requestInfo }) => {
    const extra = authInfo?.extra as { [CALLER]?: ApiCaller; [ARRIVED]?: Date } | undefined;
    const caller = extra?.[CALLER];
    if (!caller || !requestInfo) throw new Error("an MCP server is only made for an authenticated request");
    return serverFor(caller, requestInfo, extra?.[ARRIVED] ?? new Date());
  },
  {
    // A JSON-RPC envelope around at most one API body.
    maxRequestBodySize: 2 * MAX_BODY_BYTES,
    onerror: (error) => logger().debug({ err: error, requestId: currentRequestId() }, "MCP request refused"),
  },
);

/** The route handler: the API key as for /api/v1 (the same 401 and 429), then the MCP server. */
export async function serveMcp(request: Request): Promise<Response> {
  const arrivedAt = new Date();
  try {
    const caller = await authenticate(await db(), request);
    if (caller instanceof Response) {
      // How an MCP client learns that this server wants a bearer token.
      if (caller.status === 401) caller.headers.set("WWW-Authenticate", 'Bearer realm="tapdesk"');
      return caller;
    }
    return await handler.fetch(request, {
      authInfo: { token: "", clientId: caller.apiKeyId, scopes: [], extra: { [CALLER]: caller, [ARRIVED]: arrivedAt } },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
