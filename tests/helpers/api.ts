import { createTapdeskClient, type TapdeskClient } from "@/lib/api/client";
import { createApiKey } from "@/lib/auth/api-keys";
import { useDatabase as installDatabase } from "@/lib/db/client";
import { createConversation } from "@/lib/sandbox";
import type { Scope } from "@/lib/scope";
import { seedIfEmpty } from "@/lib/seed";
import { type Backend, freshDatabase, type TestDatabase } from "./db";
import { bodyOf, inProcessFetch, TEST_ORIGIN } from "./in-process";

/**
 * The typed client (lib/api/client), its fetch serving the app's route handlers in-process
 * (./in-process.ts): every answer is checked against the served OpenAPI document. null sends
 * no Authorization header.
 */
export function testClient(key: string | null): TapdeskClient {
  return createTapdeskClient({ baseUrl: TEST_ORIGIN, key, fetch: inProcessFetch });
}

export interface RawOptions {
  /** Bearer key; null sends no Authorization header. Defaults to the world's key. */
  key?: string | null;
  /** Serialized with JSON.stringify. */
  body?: unknown;
  /** Sent as is, instead of `body`. */
  raw?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

/** An answer as the typed client gives it (`data` when 2xx, else `error`), with its bytes. */
export interface RawAnswer {
  response: Response;
  // biome-ignore lint/suspicious/noExplicitAny: malformed requests get whatever JSON comes back.
  data?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  error?: any;
  text: string;
  bytes: Uint8Array;
}

/**
 * The escape hatch for requests the typed client cannot express (raw bytes, wrong types, odd
 * headers, no key): untyped, through the same in-process fetch, so their answers are checked
 * against the document too. `path` is under /api/v1 unless it starts with /api/.
 */
export function rawCaller(defaultKey: () => string | null) {
  return async (method: string, path: string, options: RawOptions = {}): Promise<RawAnswer> => {
    const key = options.key === undefined ? defaultKey() : options.key;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined = options.raw;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] ??= "application/json";
    const url = `${TEST_ORIGIN}${path.startsWith("/api/") ? "" : "/api/v1"}${path}`;
    const response = await inProcessFetch(new Request(url, { method, headers, body }));
    const { bytes, text } = bodyOf(response);
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { response, ...(response.ok ? { data: json } : { error: json }), text, bytes };
  };
}

/**
 * A documented operation by its method and path template, through the typed client, for the
 * tests that walk every operation of the served document: the template is data there, so the
 * compiler cannot check the call; its answer is checked against the document all the same.
 */
export async function callOperation(
  client: TapdeskClient,
  method: string,
  template: string,
  init: { path?: Record<string, string>; body?: unknown } = {},
): Promise<RawAnswer> {
  const untyped = client as unknown as {
    request(
      method: string,
      url: string,
      init: object,
    ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
  };
  const answer = await untyped.request(method, template, { params: { path: init.path ?? {} }, body: init.body });
  return { ...answer, ...bodyOf(answer.response) };
}

export interface ApiWorld {
  t: TestDatabase;
  scope: Scope;
  /** The seeded workspace-wide key. */
  key: string;
  /** Seeded agents: Ava (custom_emoji_sends on), Rex (off). */
  ava: { id: string; handle: string };
  rex: { id: string; handle: string };
  /** A fresh conversation of Ava's with its own number, for tests that need one of their own. */
  newConversation(agent?: "ava" | "rex"): Promise<{ conversationId: string; assignmentId: string; remote: string }>;
  /** The typed client with the seeded workspace-wide key. */
  api: TapdeskClient;
  /** The typed client with another key; null sends none. */
  as(key: string | null): TapdeskClient;
  /** Untyped requests for what the typed client cannot send, through the same fetch. */
  raw: ReturnType<typeof rawCaller>;
  dispose(): Promise<void>;
}

let numbers = 0;

/** A fresh database with the demo workspace, installed as the process database. */
export async function apiWorld(backend: Backend): Promise<ApiWorld> {
  const t = await freshDatabase(backend);
  const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
  if (!seeded) throw new Error("seed did not run on a fresh database");
  installDatabase(t);
  const scope: Scope = { workspaceId: seeded.workspaceId };
  const agents = await t.prisma.agent.findMany({ where: { workspaceId: scope.workspaceId } });
  const ava = agents.find((a) => a.name === "Ava")!;
  const rex = agents.find((a) => a.name === "Rex")!;
  return {
    t,
    scope,
    key: seeded.apiKey,
    ava: { id: ava.id, handle: ava.handle },
    rex: { id: rex.id, handle: rex.handle },
    async newConversation(agent = "ava") {
      numbers += 1;
      const remote = `+1555${String(process.pid % 1000).padStart(3, "0")}${String(numbers).padStart(4, "0")}`;
      const created = await createConversation(t.prisma, scope, {
        remote_number: remote,
        agent_id: agent === "ava" ? ava.id : rex.id,
      });
      return { conversationId: created.conversation_id, assignmentId: created.assignment_id, remote };
    },
    api: testClient(seeded.apiKey),
    as: testClient,
    raw: rawCaller(() => seeded.apiKey),
    dispose: () => t.dispose(),
  };
}

/** An extra key of the workspace, restricted to one agent when agentId is given. */
export async function extraKey(world: ApiWorld, agentId: string | null, name = "test key"): Promise<string> {
  return (await createApiKey(world.t.prisma, world.scope, { name, agentId })).key;
}
