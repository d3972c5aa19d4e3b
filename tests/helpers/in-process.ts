import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checkAnswer } from "./openapi-check";

/**
 * A fetch that serves the app's route handlers in-process, the way Next.js does: the request's
 * path picks the route file under app/api (static segments before dynamic ones, catch-alls
 * last), and the exported handler of its method gets the request and `{ params }`. The tests'
 * typed client (tests/helpers/api.ts) and the fuzz call the API through it, without a server;
 * every answer is checked against the served OpenAPI document on the way back.
 */

/** The origin the in-process requests are addressed to. */
export const TEST_ORIGIN = "http://tapdesk.test";

const APP_API = path.join(import.meta.dirname, "..", "..", "app", "api");

// biome-ignore lint/suspicious/noExplicitAny: route handlers are typed by their own params.
type RouteHandler = (request: Request, context: { params: Promise<any> }) => Promise<Response>;
type RouteModule = Partial<Record<string, RouteHandler>>;

interface Route {
  /** Below /api, e.g. ["v1", "conversations", "[id]"]. */
  segments: string[];
  file: string;
}

/** 0 for a literal segment, 1 for `[name]`, 2 for `[...name]`: the lower wins, left to right. */
function kind(segment: string): number {
  return segment.startsWith("[...") ? 2 : segment.startsWith("[") ? 1 : 0;
}

function byPrecedence(a: Route, b: Route): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const order = kind(a.segments[i]!) - kind(b.segments[i]!);
    if (order !== 0) return order;
  }
  return b.segments.length - a.segments.length;
}

function routeFiles(): Route[] {
  const found: Route[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === "route.ts") {
        found.push({ segments: path.relative(APP_API, dir).split(path.sep).filter(Boolean), file: full });
      }
    }
  };
  walk(APP_API);
  return found.sort(byPrecedence);
}

let routes: Route[] | undefined;

/** Decodes like a router that keeps a segment it cannot decode as it came. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route file serving a path under /api, and the params Next.js gives its handlers. */
export function matchRoute(pathname: string): { file: string; params: Record<string, string | string[]> } | null {
  routes ??= routeFiles();
  const parts = pathname
    .replace(/^\/api(?=\/|$)/, "")
    .split("/")
    .filter(Boolean)
    .map(decodeSegment);
  for (const route of routes) {
    const params: Record<string, string | string[]> = {};
    let matched = true;
    for (const [i, segment] of route.segments.entries()) {
      if (kind(segment) === 2) {
        if (i >= parts.length) matched = false;
        else params[segment.slice(4, -1)] = parts.slice(i);
        break;
      }
      if (i >= parts.length || (kind(segment) === 0 && segment !== parts[i])) {
        matched = false;
        break;
      }
      if (kind(segment) === 1) params[segment.slice(1, -1)] = parts[i]!;
    }
    const catchAll = route.segments.some((s) => kind(s) === 2);
    if (matched && (catchAll || route.segments.length === parts.length)) return { file: route.file, params };
  }
  return null;
}

const modules = new Map<string, Promise<RouteModule>>();

function load(file: string): Promise<RouteModule> {
  let module = modules.get(file);
  if (!module) {
    module = import(/* @vite-ignore */ pathToFileURL(file).href) as Promise<RouteModule>;
    modules.set(file, module);
  }
  return module;
}

const bodies = new WeakMap<Response, Uint8Array>();

/** The bytes of an answer the in-process fetch gave, whether or not its body was read since. */
export function bodyOf(response: Response): { bytes: Uint8Array; text: string } {
  const bytes = bodies.get(response);
  if (!bytes) throw new Error("not an answer of the in-process fetch");
  return { bytes, text: Buffer.from(bytes).toString("utf8") };
}

/** The answer of the route handler that serves the request, unchecked. */
export async function serveInProcess(request: Request): Promise<Response> {
  const route = matchRoute(new URL(request.url).pathname);
  if (!route) return new Response(null, { status: 404 });
  const handler = (await load(route.file))[request.method];
  // Next.js answers a method the route file does not export with an empty 405.
  return handler ? handler(request, { params: Promise.resolve(route.params) }) : new Response(null, { status: 405 });
}

/** serveInProcess, with the answer checked against the served OpenAPI document and its bytes kept. */
export async function inProcessFetch(request: Request): Promise<Response> {
  const asked = { headers: new Headers(request.headers), body: new Uint8Array(await request.clone().arrayBuffer()) };
  const response = await serveInProcess(request);
  const bytes = new Uint8Array(await response.clone().arrayBuffer());
  bodies.set(response, bytes);
  await checkAnswer(request.method, new URL(request.url).pathname, response, bytes, asked);
  return response;
}
