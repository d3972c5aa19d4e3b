import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import * as adminWorkspaces from "@/app/api/admin/workspaces/route";
import { instanceSecret } from "@/lib/auth/secrets";
import { useDatabase as installDatabase } from "@/lib/db/client";
import type { CreatedWorkspace } from "@/lib/workspaces/schemas";
import { type ApiResponse, apiCaller } from "./api";
import { type Backend, freshDatabase, type TestDatabase } from "./db";

/**
 * Two workspaces made the way `npm run workspace -- create` makes them on a running server
 * (POST /api/admin/workspaces with the instance token), each then filled through its own
 * API key: agents, an agent key, conversations with messages and reactions both ways, a
 * contact rule, a webhook endpoint with a delivery.
 */
export interface Tenant {
  id: string;
  name: string;
  owner: { email: string; password: string };
  /** Workspace-wide key. */
  key: string;
  /** Restricted to Ava. */
  avaKey: string;
  avaKeyId: string;
  ownerKeyId: string;
  ava: string;
  rex: string;
  /** Ava's conversation, Rex's conversation. */
  conversation: { id: string; assignment: string; remote: string };
  rexConversation: { id: string; assignment: string };
  /** Outbound message of Ava's (one part), with the agent's tapback on it. */
  outbound: string;
  /** Inbound message of Ava's conversation, with the human's love on it. */
  inbound: string;
  rexMessage: string;
  agentReaction: string;
  humanReaction: string;
  rexReaction: string;
  rule: string;
  endpoint: string;
  endpointSecret: string;
  delivery: string;
  call: ReturnType<typeof apiCaller>;
}

// biome-ignore lint/suspicious/noExplicitAny: route modules export handlers typed by their own params.
export type RouteModule = Record<string, any>;

const API_DIR = path.join(import.meta.dirname, "..", "..", "app", "api", "v1");

/** Every /api/v1 route file as its path segments (`[id]` kept) and module. */
export async function apiRoutes(): Promise<{ segments: string[]; module: RouteModule }[]> {
  const found: { segments: string[]; module: RouteModule }[] = [];
  const walk = async (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) await walk(full);
      else if (name === "route.ts") {
        const segments = path.relative(API_DIR, dir).split(path.sep);
        if (segments[0] === "[...path]") continue;
        found.push({ segments, module: await import(/* @vite-ignore */ full) });
      }
    }
  };
  await walk(API_DIR);
  return found;
}

/**
 * The route file serving a documented path (`/sandbox/assignments/{id}/disconnect`), and the
 * params Next.js would give it for the concrete values of the path's `{names}`.
 */
export function resolveRoute(
  routes: { segments: string[]; module: RouteModule }[],
  documented: string,
  values: Record<string, string>,
): { module: RouteModule; params: Record<string, string>; url: string } {
  const parts = documented.split("/").filter(Boolean);
  const concrete = parts.map((p) => {
    const name = p.match(/^\{(\w+)\}$/)?.[1];
    if (!name) return p;
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${documented}`);
    return value;
  });
  // Literal directories win over dynamic ones, as in Next.js.
  const candidates = routes
    .filter(
      (r) => r.segments.length === parts.length && r.segments.every((s, i) => s === parts[i] || /^\[\w+\]$/.test(s)),
    )
    .sort(
      (a, b) => b.segments.filter((s, i) => s === parts[i]).length - a.segments.filter((s, i) => s === parts[i]).length,
    );
  const route = candidates[0];
  if (!route) throw new Error(`no route file serves ${documented}`);
  const params: Record<string, string> = {};
  route.segments.forEach((s, i) => {
    const name = s.match(/^\[(\w+)\]$/)?.[1];
    if (name) params[name] = concrete[i]!;
  });
  return { module: route.module, params, url: `/${concrete.join("/")}` };
}

let numbers = 0;

async function must(res: ApiResponse, what: string, status = [200, 201]) {
  if (!status.includes(res.status)) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res.json;
}

/** Creates a workspace through the server route `npm run workspace` uses on the embedded database. */
export async function createWorkspaceThroughServer(
  t: TestDatabase,
  input: { name: string; owner: string },
): Promise<CreatedWorkspace> {
  const token = await instanceSecret(t.prisma, "instance_token");
  const res = await apiCaller(() => token)(adminWorkspaces.POST, "POST", "/admin/workspaces", { body: input });
  return must(res, "create workspace", [201]);
}

export async function tenant(
  t: TestDatabase,
  name: string,
  owner: string,
  routes: Awaited<ReturnType<typeof apiRoutes>>,
  endpointUrl: string,
  remote: string,
): Promise<Tenant> {
  const created = await createWorkspaceThroughServer(t, { name, owner });
  const key = created.api_key;
  const call = apiCaller(() => key);
  const at = (documented: string, values: Record<string, string> = {}) => resolveRoute(routes, documented, values);
  const send = async (method: string, documented: string, values: Record<string, string>, body?: unknown, k = key) => {
    const r = at(documented, values);
    return must(
      await call(r.module[method], method, r.url, { params: r.params, body, key: k }),
      `${method} ${documented}`,
    );
  };
  // The same handles and numbers in every workspace: nothing may key on them across workspaces.
  const ava = await send("POST", "/agents", {}, { name: "Ava", handle: "+14155550100", custom_emoji_sends: true });
  const rex = await send("POST", "/agents", {}, { name: "Rex", handle: "rex@agents.example.com" });
  const avaKey = await send("POST", "/api-keys", {}, { name: "Ava only", agent_id: ava.id });
  const keys = await send("GET", "/api-keys", {});
  const conv = await send("POST", "/sandbox/conversations", {}, { remote_number: remote, agent_id: ava.id });
  const rexConv = await send("POST", "/sandbox/conversations", {}, { remote_number: remote, agent_id: rex.id });
  const endpoint = await send(
    "POST",
    "/webhook-endpoints",
    {},
    { url: endpointUrl, events: ["imessage.reaction_received", "reaction.added", "reaction.removed"] },
  );
  const outbound = await send(
    "POST",
    "/conversations/{id}/messages",
    { id: conv.conversation_id },
    { parts: [{ text: `hello from ${name}` }] },
  );
  const inbound = await send(
    "POST",
    "/sandbox/conversations/{id}/inbound",
    { id: conv.conversation_id },
    { parts: [{ text: "hi" }] },
  );
  const rexMessage = await send(
    "POST",
    "/conversations/{id}/messages",
    { id: rexConv.conversation_id },
    { parts: [{ text: "from Rex" }] },
  );
  const agentReaction = await send("POST", "/reactions", {}, { message_id: outbound.id, reaction: "like" });
  const humanReaction = await send(
    "POST",
    "/sandbox/messages/{id}/reactions",
    { id: outbound.id },
    { operation: "add", type: "love" },
  );
  const rexReaction = await send("POST", "/reactions", {}, { message_id: rexMessage.id, reaction: "laugh" });
  const rule = await send("POST", "/contact-rules", {}, { pattern: "+1999*" });
  const deliveries = await send("GET", "/webhook-endpoints/{id}/deliveries", { id: endpoint.id });
  if (!deliveries.data[0]) throw new Error("no delivery was queued for the tenant's endpoint");
  return {
    id: created.workspace.id,
    name,
    owner: created.owner,
    key,
    avaKey: avaKey.key,
    avaKeyId: avaKey.id,
    ownerKeyId: keys.data.find((k: { agent_id: string | null }) => k.agent_id === null).id,
    ava: ava.id,
    rex: rex.id,
    conversation: { id: conv.conversation_id, assignment: conv.assignment_id, remote },
    rexConversation: { id: rexConv.conversation_id, assignment: rexConv.assignment_id },
    outbound: outbound.id,
    inbound: inbound.id,
    rexMessage: rexMessage.id,
    agentReaction: agentReaction.id,
    humanReaction: (humanReaction.reaction ?? humanReaction).id,
    rexReaction: rexReaction.id,
    rule: rule.id,
    endpoint: endpoint.id,
    endpointSecret: endpoint.secret,
    delivery: deliveries.data[0].id,
    call,
  };
}

export interface TwoWorkspaces {
  t: TestDatabase;
  a: Tenant;
  b: Tenant;
  routes: Awaited<ReturnType<typeof apiRoutes>>;
}

/** A fresh database (installed as the process database) with workspaces A and B. */
export async function twoWorkspaces(backend: Backend, endpointUrls: [string, string]): Promise<TwoWorkspaces> {
  const t = await freshDatabase(backend);
  installDatabase(t);
  const routes = await apiRoutes();
  const suffix = `${process.pid}-${Date.now()}`;
  numbers += 1;
  // The same number talks to both workspaces' agents.
  const remote = `+1555${String(process.pid % 1000).padStart(3, "0")}${String(numbers).padStart(4, "0")}`;
  const previous = process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
  process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
  try {
    const a = await tenant(t, "Workspace A", `owner-a-${suffix}@a.test`, routes, endpointUrls[0], remote);
    const b = await tenant(t, "Workspace B", `owner-b-${suffix}@b.test`, routes, endpointUrls[1], remote);
    return { t, a, b, routes };
  } finally {
    if (previous === undefined) delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
    else process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = previous;
  }
}

/** Every row of every table that belongs to the workspace, as text: equal before and after means nothing changed. */
export async function workspaceSnapshot(t: TestDatabase, workspaceId: string): Promise<Record<string, string[]>> {
  const tables = await t.sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'workspace_id' ORDER BY table_name`,
  );
  const snapshot: Record<string, string[]> = {};
  for (const { table_name } of tables) {
    const rows = await t.sql.query<{ row: string }>(
      `SELECT t::text AS row FROM "${table_name}" t WHERE workspace_id = $1 ORDER BY t::text`,
      [workspaceId],
    );
    snapshot[table_name] = rows.map((r) => r.row);
  }
  snapshot.workspace = (
    await t.sql.query<{ row: string }>(`SELECT w::text AS row FROM workspace w WHERE id = $1`, [workspaceId])
  ).map((r) => r.row);
  return snapshot;
}

/** Row counts of every table of the database. */
export async function rowCounts(t: TestDatabase): Promise<Record<string, number>> {
  const tables = await t.sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name } of tables) {
    const [row] = await t.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}"`);
    counts[table_name] = row!.n;
  }
  return counts;
}
