import { errorResponse } from "../api/http";
import type { Hints, Operation } from "../api/operation";
import { OPERATIONS } from "../api/operations";
import { CLIENT_ADDRESS_HEADER } from "../auth/throttle";
import { AppError, type FieldError } from "../errors";
import * as z from "../zod";

/**
 * The MCP tools that are operations of the API (docs/mcp.md). Each is generated from the
 * operation's own definition in lib/api/operations: its input schema is the operation's path
 * parameters, query and body schemas side by side; its description, annotations and refusals
 * are the operation's; a call is a request to the operation's own route handler with the
 * caller's key, so the key check, the scope, Idempotency-Key and every problem are the API's.
 */
export interface OperationTool {
  name: string;
  /** `METHOD /path` of the operation, as in lib/api/operations. */
  operation: string;
  /** The tool's argument for each path parameter (`{id}` names too little on its own). */
  params?: Record<string, string>;
}

/**
 * In the order of SPEC §10. An entry whose operation is not (yet) defined is left out of the
 * list, so a tool appears by itself once its operation lands.
 */
export const OPERATION_TOOLS: OperationTool[] = [
  { name: "list_conversations", operation: "GET /conversations" },
  { name: "read_conversation", operation: "GET /conversations/{id}/messages", params: { id: "conversation_id" } },
  { name: "send_message", operation: "POST /conversations/{id}/messages", params: { id: "conversation_id" } },
  { name: "send_tapback", operation: "POST /reactions" },
  { name: "remove_tapback", operation: "DELETE /reactions/{id}", params: { id: "reaction_id" } },
  { name: "list_reaction_changes", operation: "GET /messages/{id}/reaction-changes", params: { id: "message_id" } },
  { name: "feedback_summary", operation: "GET /feedback/summary" },
];

export const IDEMPOTENCY_ARGUMENT = "idempotency_key";

/** A tool's answer, as MCP's CallToolResult has it. */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** The request a tool call arrived in: its key and client address go on to the operation. */
export interface Via {
  request: Request;
}

export interface Tool {
  name: string;
  description: string;
  inputSchema: z.ZodObject;
  annotations: Hints & { title: string };
  /** The operation it is generated from; none for wait_for_activity. */
  operation?: Operation;
  call(args: Record<string, unknown>, via: Via, signal: AbortSignal): Promise<ToolResult>;
}

export function operationByName(name: string): Operation | undefined {
  return OPERATIONS.find((op) => `${op.method.toUpperCase()} ${op.path}` === name);
}

/** The operation tools whose operations exist, generated. */
export function operationTools(): Tool[] {
  return OPERATION_TOOLS.flatMap((spec) => {
    const op = operationByName(spec.operation);
    return op ? [operationTool(spec, op)] : [];
  });
}

function bodyShape(op: Operation): Record<string, z.ZodType> {
  if (!op.body) return {};
  return op.body instanceof z.ZodObject ? (op.body.shape as Record<string, z.ZodType>) : { body: op.body };
}

/** Path parameters, query and body of the operation as one object: the tool's arguments. */
export function toolInputSchema(spec: OperationTool, op: Operation): z.ZodObject {
  const shape: Record<string, z.ZodType> = {};
  for (const [param, arg] of Object.entries(spec.params ?? {})) {
    shape[arg] = z.string().meta({ format: "uuid", description: `The \`{${param}}\` of ${op.path}.` });
  }
  Object.assign(shape, op.query?.shape ?? {}, bodyShape(op));
  if (op.method === "post") {
    shape[IDEMPOTENCY_ARGUMENT] = z.string().min(1).max(255).optional().meta({
      description:
        "The API's Idempotency-Key: the same key with the same arguments answers the first call's result again without doing it twice; with other arguments it is refused (idempotency_key_reused). Kept 24 hours.",
    });
  }
  return z.object(shape).strict();
}

function descriptionOf(op: Operation): string {
  const refusals = op.errors.filter((code) => code !== "unauthorized" && code !== "too_many_requests");
  return [
    op.summary.endsWith(".") ? op.summary : `${op.summary}.`,
    op.description ?? "",
    op.workspaceKey ? "Workspace-wide keys only." : "",
    `Refusals are tool errors starting with their code: ${refusals.join(", ")}.`,
  ]
    .filter(Boolean)
    .join(" ");
}

function operationTool(spec: OperationTool, op: Operation): Tool {
  const inputSchema = toolInputSchema(spec, op);
  return {
    name: spec.name,
    description: descriptionOf(op),
    inputSchema,
    annotations: { title: op.summary, ...op.hints },
    operation: op,
    call: async (args, via) => {
      try {
        return await resultOf(op, await op.handler(requestFor(spec, op, args, via), { params: paramsOf(spec, args) }));
      } catch (error) {
        return refusalOf(error);
      }
    },
  };
}

function paramsOf(spec: OperationTool, args: Record<string, unknown>) {
  return Promise.resolve(
    Object.fromEntries(Object.entries(spec.params ?? {}).map(([param, arg]) => [param, String(args[arg])])),
  );
}

function invalid(field: string, message: string): AppError {
  return new AppError("validation_failed", "The tool's arguments do not match its schema.", [{ field, message }]);
}

/** The HTTP request the operation would get for these arguments, as the caller. */
function requestFor(spec: OperationTool, op: Operation, args: Record<string, unknown>, via: Via): Request {
  let path = op.path;
  const taken = new Set<string>();
  for (const [param, arg] of Object.entries(spec.params ?? {})) {
    const value = args[arg];
    if (typeof value !== "string") throw invalid(arg, "Required: a string (an id).");
    path = path.replace(`{${param}}`, encodeURIComponent(value));
    taken.add(arg);
  }
  const url = new URL(`/api/v1${path}`, via.request.url);
  for (const name of Object.keys(op.query?.shape ?? {})) {
    const value = args[name];
    taken.add(name);
    if (value === undefined || value === null) continue;
    if (typeof value === "object") throw invalid(name, "Must be a string, a number or a boolean.");
    url.searchParams.set(name, String(value));
  }
  const headers = new Headers({ accept: "application/json" });
  for (const name of ["authorization", CLIENT_ADDRESS_HEADER, "x-request-id"]) {
    const value = via.request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  let body: string | undefined;
  if (op.method === "post") {
    const key = args[IDEMPOTENCY_ARGUMENT];
    taken.add(IDEMPOTENCY_ARGUMENT);
    if (key !== undefined && key !== null) {
      if (typeof key !== "string") throw invalid(IDEMPOTENCY_ARGUMENT, "Must be a string.");
      headers.set("idempotency-key", key);
    }
  }
  const rest = Object.keys(args).filter((name) => !taken.has(name) && args[name] !== undefined);
  if (op.body) {
    const shape = bodyShape(op);
    if (!(op.body instanceof z.ZodObject)) {
      body = JSON.stringify(args.body ?? null);
    } else {
      // The schema's order, then anything unknown (which the operation refuses by name): the
      // same arguments make the same bytes, so an idempotency key replays rather than clashes.
      const ordered = [...Object.keys(shape).filter((k) => rest.includes(k)), ...rest.filter((k) => !(k in shape))];
      body = JSON.stringify(Object.fromEntries(ordered.map((k) => [k, args[k]])));
    }
    headers.set("content-type", "application/json");
  } else {
    const unknown = rest[0];
    if (unknown !== undefined) throw invalid(unknown, "Unknown field.");
  }
  return new Request(url, { method: op.method.toUpperCase(), headers, body });
}

/** A 2xx answer is the tool's result; a problem is a tool error carrying its code and sentence. */
export async function resultOf(op: Operation | undefined, response: Response): Promise<ToolResult> {
  const text = await response.text();
  if (!response.ok) return problemResult(text, response.status);
  if (!text) {
    const reply = op?.replies[response.status as keyof Operation["replies"]];
    return { content: [{ type: "text", text: reply?.description ?? "Done." }] };
  }
  const body = JSON.parse(text) as unknown;
  return {
    content: [{ type: "text", text }],
    ...(body && typeof body === "object" && !Array.isArray(body)
      ? { structuredContent: body as Record<string, unknown> }
      : {}),
  };
}

interface ProblemBody {
  code?: string;
  detail?: string;
  errors?: FieldError[];
}

function problemResult(text: string, status: number): ToolResult {
  let problem: ProblemBody & Record<string, unknown>;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = { code: "internal_error", detail: `The operation answered ${status} without a problem document.` };
  }
  const fields = (problem.errors ?? []).map((e) => `\n- ${e.field}: ${e.message}`).join("");
  return {
    isError: true,
    content: [{ type: "text", text: `${problem.code}: ${problem.detail}${fields}` }],
    structuredContent: problem,
  };
}

/** A failure of the tool itself: the same problem the API would answer, as a tool error. */
export async function refusalOf(error: unknown): Promise<ToolResult> {
  const response = errorResponse(error);
  return problemResult(await response.text(), response.status);
}
