import { AppError, type ErrorCode } from "../errors";
import type * as z from "../zod";
import { type ApiContext, api, errorResponse, otherMethods, parseBody, parseQuery, readJson } from "./http";

/**
 * One operation of the agent API, declared once: its method and path, what the reference
 * says about it, the key it needs, the schemas of its query, body and replies, the problems
 * it answers in the order they are checked, and its handler. The route files route these
 * (`route(...)`), and the OpenAPI document (lib/api/openapi.ts) is built from the same list
 * (lib/api/operations), so the document and the behaviour cannot drift apart.
 */

export type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * What a call does to the world, as MCP tool annotations say it (lib/mcp): GET reads only;
 * DELETE removes and may be repeated; other methods change things once per call unless the
 * operation says otherwise.
 */
export interface Hints {
  readOnlyHint: boolean;
  idempotentHint: boolean;
  destructiveHint: boolean;
}

function defaultHints(method: Method): Hints {
  if (method === "get") return { readOnlyHint: true, idempotentHint: true, destructiveHint: false };
  if (method === "delete") return { readOnlyHint: false, idempotentHint: true, destructiveHint: true };
  if (method === "put") return { readOnlyHint: false, idempotentHint: true, destructiveHint: true };
  return { readOnlyHint: false, idempotentHint: false, destructiveHint: false };
}

export interface Reply {
  description: string;
  /** The JSON body's schema. */
  schema?: z.ZodType;
  /** A file instead of JSON: its bytes, in its own media type. */
  file?: true;
  /** The file's media type when it is always the same (`application/x-ndjson`); any otherwise. */
  mediaType?: string;
}

/** `{id: string; deliveryId: string}` for `/webhook-endpoints/{id}/deliveries/{deliveryId}`. */
export type PathParams<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? { [K in Name]: string } & PathParams<Rest>
  : unknown;

type Output<S> = S extends z.ZodType ? z.infer<S> : never;

/** What a handler gets besides the path parameters: the caller, and its query and body parsed. */
export interface Context<Q, B> extends ApiContext {
  /** The query parameters, parsed with the operation's `query` schema (422 validation_failed). */
  query(): Output<Q>;
  /** The body, read and parsed with the operation's `body` schema (413, 400 invalid_json, 422). */
  body(): Promise<Output<B>>;
}

/** How a body is checked when the plain schema's validation_failed is not the whole story. */
export type BodyParser = <T extends z.ZodType>(schema: T, body: unknown) => z.infer<T>;

interface Meta<P extends string, Q, B> {
  method: Method;
  /** Under /api/v1, with `{name}` for each path parameter (a UUID). */
  path: P;
  tag: string;
  summary: string;
  description?: string;
  /** Workspace settings: agent-restricted keys get 403 workspace_key_required. */
  workspaceKey?: boolean;
  /** Where the method's default (see Hints) does not say what the call does. */
  hints?: Partial<Hints>;
  query?: Q;
  body?: B;
  /** The body may be left out altogether (an empty body reads as `{}`). */
  bodyOptional?: boolean;
  /** Checks the body instead of `parseBody` (the reaction bodies' own error codes). */
  bodyParser?: BodyParser;
  /**
   * A plausible request body for the reference (its "Test Request" starts from it); typed by
   * `body` and parsed with it in tests/api-openapi.test.ts, so it cannot go stale.
   */
  example?: B extends z.ZodType ? z.input<B> : never;
  replies: Partial<Record<200 | 201 | 202 | 204, Reply>>;
  /**
   * The operation's own problems, in the order they are checked. The common ones come first
   * and are not listed: too_many_requests (with `handle`) and unauthorized; workspace_key_required
   * with `workspaceKey`; payload_too_large and invalid_json with a body; validation_failed with
   * a body or a query.
   */
  errors: ErrorCode[];
}

type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

type Definition<P extends string, Q, B> = Meta<P, Q, B> &
  (
    | {
        /** Runs after the API key is checked (and, for POST, the Idempotency-Key claimed). */
        handle: (ctx: Context<Q, B>, params: PathParams<P>) => Promise<Response>;
      }
    | {
        /** An operation that authenticates its caller its own way; failures still map to problems. */
        serve: (request: Request, params: PathParams<P>) => Promise<Response>;
      }
  );

export interface Operation
  extends Omit<Meta<string, z.ZodObject, z.ZodType>, "errors" | "bodyParser" | "hints" | "example"> {
  hints: Hints;
  example?: unknown;
  /** Every problem it can answer, common ones included, in check order (idempotency aside). */
  errors: ErrorCode[];
  /** The Next.js route handler. */
  handler: RouteHandler;
}

/** The problems every operation of its kind checks first, in the order they are checked. */
function commonErrors(
  meta: { workspaceKey?: boolean; body?: unknown; query?: unknown },
  throttled: boolean,
): ErrorCode[] {
  return [
    // `api()` refuses an address that sent too many wrong keys before it reads the key.
    ...(throttled ? (["too_many_requests"] as const) : []),
    "unauthorized",
    ...(meta.workspaceKey ? (["workspace_key_required"] as const) : []),
    ...(meta.body ? (["payload_too_large", "invalid_json"] as const) : []),
    ...(meta.body || meta.query ? (["validation_failed"] as const) : []),
  ];
}

export function defineOperation<
  const P extends string,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(definition: Definition<P, Q, B>): Operation {
  let handler: RouteHandler;
  if ("serve" in definition) {
    handler = async (request, context) => {
      try {
        return await definition.serve(request, (await context.params) as PathParams<P>);
      } catch (error) {
        return errorResponse(error);
      }
    };
  } else {
    const parse: BodyParser = definition.bodyParser ?? parseBody;
    handler = api<Record<string, string>>(
      (ctx, params) =>
        definition.handle(
          {
            ...ctx,
            query: () => parseQuery(definition.query as z.ZodObject, ctx.request) as Output<Q>,
            body: async () =>
              parse(definition.body as z.ZodType, await readJson(ctx.request, definition.bodyOptional)) as Output<B>,
          },
          params as PathParams<P>,
        ),
      { workspaceKey: definition.workspaceKey },
    );
  }
  const { method, path, tag, summary, description, workspaceKey, query, body, bodyOptional, example, replies } =
    definition;
  const errors = [...commonErrors(definition, "handle" in definition), ...definition.errors];
  const hints = { ...defaultHints(method), ...definition.hints };
  return {
    method,
    path,
    tag,
    summary,
    description,
    workspaceKey,
    hints,
    query,
    body,
    bodyOptional,
    example,
    replies,
    errors,
    handler,
  };
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type HttpMethod = (typeof METHODS)[number];

const SERVES = Symbol.for("tapdesk.operations");

/** The operations a route file's handler serves (none for the 405 handlers). */
export function operationsOf(handler: unknown): Operation[] {
  return (typeof handler === "function" && (handler as { [SERVES]?: Operation[] })[SERVES]) || [];
}

/**
 * The handlers of one route file: each method its operations have, and 405 problem+json
 * with an `Allow` header for the others (Next.js alone would answer those with an empty body).
 * `export const { GET, POST, PUT, PATCH, DELETE } = route(listAgents, createAgent);`
 */
export function route(...operations: Operation[]): Record<HttpMethod, RouteHandler> {
  const allow = METHODS.filter((m) => operations.some((op) => op.method.toUpperCase() === m)).join(", ");
  const notAllowed = otherMethods(allow);
  const handlers = {} as Record<HttpMethod, RouteHandler>;
  for (const method of METHODS) {
    const ops = operations.filter((op) => op.method.toUpperCase() === method);
    const handler = ops.length === 0 ? notAllowed[method] : ops.length === 1 ? ops[0]!.handler : byPath(ops);
    handlers[method] = Object.assign(
      (request: Request, context: { params: Promise<Record<string, string>> }) => handler(request, context),
      { [SERVES]: ops },
    );
  }
  return handlers;
}

/**
 * Several operations of one method behind one dynamic segment (`/sandbox/assignments/{id}/[action]`):
 * the request's path picks the one; a path that is none of them is the caller's 404 once
 * its key is checked, as for an id that names nothing.
 */
function byPath(ops: Operation[]): RouteHandler {
  const patterns = ops.map((op) => ({ op, pattern: new RegExp(`${op.path.replace(/\{\w+\}/g, "[^/]+")}$`) }));
  const none = api<Record<string, string>>(async () => {
    throw new AppError("not_found");
  });
  return (request, context) => {
    const { pathname } = new URL(request.url);
    return (patterns.find((p) => p.pattern.test(pathname))?.op.handler ?? none)(request, context);
  };
}
