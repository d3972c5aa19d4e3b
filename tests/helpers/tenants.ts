import type { TapdeskClient } from "@/lib/api/client";
import { instanceSecret } from "@/lib/auth/secrets";
import { useDatabase as installDatabase } from "@/lib/db/client";
import type { CreatedWorkspace } from "@/lib/workspaces/schemas";
import { textOf } from "./answers";
import { type RawAnswer, rawCaller, testClient } from "./api";
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
  /** The typed client with the workspace-wide key. */
  api: TapdeskClient;
  /** Untyped requests through the same in-process fetch, with the workspace-wide key by default. */
  raw: ReturnType<typeof rawCaller>;
}

let numbers = 0;

/** The answer's data, when its status is one of `status`. */
function must<T>(answer: { data?: T; response: Response }, what: string, status = [200, 201]): T {
  if (!status.includes(answer.response.status) || answer.data === undefined) {
    throw new Error(`${what}: ${answer.response.status} ${textOf(answer)}`);
  }
  return answer.data;
}

/** Creates a workspace through the server route `npm run workspace` uses on the embedded database. */
export async function createWorkspaceThroughServer(
  t: TestDatabase,
  input: { name: string; owner: string },
): Promise<CreatedWorkspace> {
  const token = await instanceSecret(t.prisma, "instance_token");
  const res: RawAnswer = await rawCaller(() => token)("POST", "/api/admin/workspaces", { body: input });
  return must(res, "create workspace", [201]);
}

export async function tenant(
  t: TestDatabase,
  name: string,
  owner: string,
  endpointUrl: string,
  remote: string,
): Promise<Tenant> {
  const created = await createWorkspaceThroughServer(t, { name, owner });
  const key = created.api_key;
  const api = testClient(key);
  // The same handles and numbers in every workspace: nothing may key on them across workspaces.
  const ava = must(
    await api.POST("/agents", { body: { name: "Ava", handle: "+14155550100", custom_emoji_sends: true } }),
    "POST /agents",
  );
  const rex = must(
    await api.POST("/agents", { body: { name: "Rex", handle: "rex@agents.example.com" } }),
    "POST /agents",
  );
  const avaKey = must(await api.POST("/api-keys", { body: { name: "Ava only", agent_id: ava.id } }), "POST /api-keys");
  const keys = must(await api.GET("/api-keys"), "GET /api-keys");
  const conversation = (agent_id: string) =>
    api.POST("/sandbox/conversations", { body: { remote_number: remote, agent_id } });
  const conv = must(await conversation(ava.id), "POST /sandbox/conversations");
  const rexConv = must(await conversation(rex.id), "POST /sandbox/conversations");
  const endpoint = must(
    await api.POST("/webhook-endpoints", {
      body: { url: endpointUrl, events: ["imessage.reaction_received", "reaction.added", "reaction.removed"] },
    }),
    "POST /webhook-endpoints",
  );
  const message = (id: string, text: string) =>
    api.POST("/conversations/{id}/messages", { params: { path: { id } }, body: { parts: [{ text }] } });
  const outbound = must(await message(conv.conversation_id, `hello from ${name}`), "POST /conversations/{id}/messages");
  const inbound = must(
    await api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conv.conversation_id } },
      body: { parts: [{ text: "hi" }] },
    }),
    "POST /sandbox/conversations/{id}/inbound",
  );
  const rexMessage = must(await message(rexConv.conversation_id, "from Rex"), "POST /conversations/{id}/messages");
  const agentReaction = must(
    await api.POST("/reactions", { body: { message_id: outbound.id, reaction: "like" } }),
    "POST /reactions",
  );
  const humanReaction = must(
    await api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: outbound.id } },
      body: { operation: "add", type: "love" },
    }),
    "POST /sandbox/messages/{id}/reactions",
  );
  const rexReaction = must(
    await api.POST("/reactions", { body: { message_id: rexMessage.id, reaction: "laugh" } }),
    "POST /reactions",
  );
  const rule = must(await api.POST("/contact-rules", { body: { pattern: "+1999*" } }), "POST /contact-rules");
  const deliveries = must(
    await api.GET("/webhook-endpoints/{id}/deliveries", { params: { path: { id: endpoint.id } } }),
    "GET /webhook-endpoints/{id}/deliveries",
  );
  if (!deliveries.data[0]) throw new Error("no delivery was queued for the tenant's endpoint");
  if (!("id" in humanReaction)) throw new Error("the human's tapback was not added");
  return {
    id: created.workspace.id,
    name,
    owner: created.owner,
    key,
    avaKey: avaKey.key,
    avaKeyId: avaKey.id,
    ownerKeyId: keys.data.find((k) => k.agent_id === null)!.id,
    ava: ava.id,
    rex: rex.id,
    conversation: { id: conv.conversation_id, assignment: conv.assignment_id, remote },
    rexConversation: { id: rexConv.conversation_id, assignment: rexConv.assignment_id },
    outbound: outbound.id,
    inbound: inbound.id,
    rexMessage: rexMessage.id,
    agentReaction: agentReaction.id,
    humanReaction: humanReaction.id,
    rexReaction: rexReaction.id,
    rule: rule.id,
    endpoint: endpoint.id,
    endpointSecret: endpoint.secret,
    delivery: deliveries.data[0].id,
    api,
    raw: rawCaller(() => key),
  };
}

export interface TwoWorkspaces {
  t: TestDatabase;
  a: Tenant;
  b: Tenant;
}

/** A fresh database (installed as the process database) with workspaces A and B. */
export async function twoWorkspaces(backend: Backend, endpointUrls: [string, string]): Promise<TwoWorkspaces> {
  const t = await freshDatabase(backend);
  installDatabase(t);
  const suffix = `${process.pid}-${Date.now()}`;
  numbers += 1;
  // The same number talks to both workspaces' agents.
  const remote = `+1555${String(process.pid % 1000).padStart(3, "0")}${String(numbers).padStart(4, "0")}`;
  const previous = process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
  process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
  try {
    const a = await tenant(t, "Workspace A", `owner-a-${suffix}@a.test`, endpointUrls[0], remote);
    const b = await tenant(t, "Workspace B", `owner-b-${suffix}@b.test`, endpointUrls[1], remote);
    return { t, a, b };
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
