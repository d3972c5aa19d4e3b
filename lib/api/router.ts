import type { IncomingMessage, ServerResponse } from "node:http";
import { requestOperator } from "../auth/session";
import { threadPoll } from "../conversations/thread-poll";
import { checkHealth, healthAnswer } from "../health";
import { logger } from "../observability/log";
import { securityHeaders } from "../security/headers";
import { MAX_BODY_BYTES, problem } from "./http";
import type { Operation } from "./operation";
import { OPERATIONS } from "./operations";
import { decodable } from "./path";

/**
 * The agent API's operations, `/api/health` and the dashboard's thread poll, served by the operations' own handlers straight
 * from the HTTP server (scripts/start.mjs), without the Next.js request pipeline: that pipeline
 * alone cost 3–4 ms of CPU per request, more than a tapback's own work (docs/decisions.md,
 * docs/performance.md). The handlers are the very ones the route files export (each
 * `operation.handler` of app/api/v1, lib/health.ts, lib/conversations/thread-poll.ts): one
 * definition per operation, two ways in. Anything this router does
 * not know exactly — another path, a method the path lacks (405), a path that is not valid
 * percent-encoding (404) — goes on to Next.js as before.
 */

export const API_ROUTER = Symbol.for("tapdesk.api-router");

/** Serves the request and returns true, or returns false at once (without reading anything) to let Next.js have it. */
export type ApiRouter = (req: IncomingMessage, res: ServerResponse) => boolean;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  operation: Operation;
}

function compile(operations: Operation[]): Route[] {
  return operations.map((operation) => {
    const names: string[] = [];
    // Operation paths are plain segments and `{name}` parameters (lib/api/operation.ts).
    const source = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    return { method: operation.method.toUpperCase(), pattern: new RegExp(`^/api/v1${source}$`), names, operation };
  });
}

interface Match {
  route: Route;
  params: Record<string, string>;
}

export function matchRoute(routes: Route[], method: string, pathname: string): Match | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < route.names.length; i++) params[route.names[i] as string] = decodeURIComponent(m[i + 1] ?? "");
    return { route, params };
  }
  return null;
}

/** The request's body, read up to one byte past the API's limit (the handlers answer 413 from there). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const length = Number(req.headers["content-length"] ?? "0");
  // Over the limit by its own account: no need to read it (readBytes answers 413 from the header).
  if (length > MAX_BODY_BYTES) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", done);
      req.off("error", reject);
      resolve(size === 0 ? null : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      // Enough to know it is too large; the rest stays unread and the connection is closed.
      if (size > MAX_BODY_BYTES) {
        req.pause();
        done();
      }
    };
    req.on("data", onData);
    req.once("end", done);
    req.once("error", reject);
  });
}

function webHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.startsWith(":")) continue;
    headers.append(name, raw[i + 1] as string);
  }
  return headers;
}

/** The same security headers proxy.ts gives every API answer (no nonce: no CSP for scripts). */
function setSecurityHeaders(res: ServerResponse): void {
  const security = securityHeaders({ secure: process.env.TAPDESK_SECURE_COOKIES === "1" });
  for (const name in security) res.setHeader(name, security[name] as string);
}

async function send(res: ServerResponse, response: Response, method: string): Promise<void> {
  setSecurityHeaders(res);
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (!response.body || method === "HEAD") {
    await response.body?.cancel();
    res.end();
    return;
  }
  // A body of one chunk (every JSON answer) goes out whole, with its length. A longer one (the
  // feedback export's NDJSON) is written as it is produced from its second chunk on, and the next
  // chunk is read only once the socket has taken this one, so a slow client holds the producer
  // back instead of filling memory.
  const reader = response.body.getReader();
  const first = await reader.read();
  const second = first.done ? first : await reader.read();
  if (second.done) {
    const body = first.value ? Buffer.from(first.value) : null;
    res.setHeader("content-length", body?.byteLength ?? 0);
    res.end(body);
    return;
  }
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  res.once("close", onClose);
  try {
    await written(res, first.value as Uint8Array);
    await written(res, second.value);
    while (!gone) {
      const next = await reader.read();
      if (next.done) break;
      await written(res, next.value);
    }
    if (gone) await reader.cancel();
    else res.end();
  } finally {
    res.off("close", onClose);
  }
}

/** Writes one chunk; resolves once the socket can take more (or the client went away). */
function written(res: ServerResponse, chunk: Uint8Array): Promise<void> {
  if (res.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  run: (request: Request) => Promise<Response>,
): Promise<void> {
  let response: Response;
  try {
    const method = req.method ?? "GET";
    const body = method === "GET" || method === "HEAD" ? null : await readBody(req);
    const host = req.headers.host ?? "localhost";
    // A client that goes away aborts the request, as under Next.js: a long-poll stops waiting.
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    const request = new Request(`http://${host}${req.url ?? "/"}`, {
      method,
      headers: webHeaders(req),
      body: body as BodyInit | null,
      signal: gone.signal,
    });
    response = await run(request);
  } catch (error) {
    logger().error({ err: error }, "the API router failed");
    response = problem("internal_error", "Something went wrong on our side.");
  }
  await send(res, response, req.method ?? "GET");
}

/** Serves in the background; a failure to write the answer (the client went away) ends the connection, never the process. */
function served(req: IncomingMessage, res: ServerResponse, run: (request: Request) => Promise<Response>): void {
  serve(req, res, run).catch((error) => {
    logger().warn({ err: error }, "the API router could not write an answer");
    res.destroy();
  });
}

/**
 * `/api/health`, the answer the route file gives (app/api/health/route.ts), written straight to
 * the socket: a load balancer asks it all the time, and the Request and Response objects of the
 * other routes were most of its cost (docs/performance.md).
 */
function health(res: ServerResponse): void {
  checkHealth()
    .then((result) => {
      const { status, headers, body } = healthAnswer(result);
      setSecurityHeaders(res);
      res.statusCode = status;
      for (const name in headers) res.setHeader(name, headers[name] as string);
      res.setHeader("content-length", Buffer.byteLength(body));
      res.end(body);
    })
    .catch((error) => {
      logger().warn({ err: error }, "the API router could not write an answer");
      res.destroy();
    });
}

const THREAD_POLL = /^\/api\/ui\/conversations\/([^/]+)$/;

export function createApiRouter(operations: Operation[] = OPERATIONS): ApiRouter {
  const routes = compile(operations);
  return (req, res) => {
    const url = req.url ?? "/";
    if (!url.startsWith("/api/")) return false;
    const q = url.indexOf("?");
    const pathname = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    if (pathname === "/api/health" && method === "GET") {
      health(res);
      return true;
    }
    if (!decodable(pathname)) return false;
    const poll = method === "GET" ? THREAD_POLL.exec(pathname) : null;
    if (poll) {
      const id = decodeURIComponent(poll[1] as string);
      served(req, res, (request) => threadPoll(request, id, () => requestOperator(request)));
      return true;
    }
    if (!pathname.startsWith("/api/v1/")) return false;
    const match = matchRoute(routes, method, pathname);
    if (!match) return false;
    const params = Promise.resolve(match.params);
    served(req, res, (request) => match.route.operation.handler(request, { params }));
    return true;
  };
}

/** Called at server start (lib/bootstrap.ts): scripts/start.mjs finds the router here. */
export function installApiRouter(): void {
  (globalThis as { [API_ROUTER]?: ApiRouter })[API_ROUTER] = createApiRouter();
}
