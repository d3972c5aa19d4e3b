import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signIn } from "@/lib/auth/session";
import { rawCaller } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { rowCounts, type Tenant, type TwoWorkspaces, twoWorkspaces, workspaceSnapshot } from "./helpers/tenants";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * The dashboard's side of isolation: every server action and the /api/ui polls, called as
 * Next.js calls them, with the operator's session cookie (next/headers' cookie store is the
 * one piece replaced: a jar this file controls, so a session is whichever cookie it holds).
 */
const jar = vi.hoisted(() => new Map<string, string>());
vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined),
    set: (nameOrOptions: string | { name: string; value: string }, value?: string) => {
      if (typeof nameOrOptions === "string") jar.set(nameOrOptions, value ?? "");
      else jar.set(nameOrOptions.name, nameOrOptions.value);
    },
    delete: (name: string) => jar.delete(name),
  }),
  // The change-password action reads the client address for its throttle.
  headers: async () => new Headers(),
}));

type Action = (input: unknown) => Promise<{ ok: boolean; code?: string; error?: string }>;

const APP_DIR = path.join(import.meta.dirname, "..", "app");
/** Signing in and out need no session, or act on the caller's own sessions alone (tests/no-way-in.test.ts). */
const SESSIONLESS = new Set([
  "login/actions.ts:signInAction",
  "login/actions.ts:signOutAction",
  "login/actions.ts:signOutEverywhereAction",
]);

/** Every exported server action of every actions.ts under app/, by "file:name". */
async function serverActions(): Promise<Map<string, Action>> {
  const found = new Map<string, Action>();
  const walk = async (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) await walk(full);
      else if (name === "actions.ts") {
        const module = (await import(/* @vite-ignore */ full)) as Record<string, unknown>;
        for (const [exported, value] of Object.entries(module)) {
          const id = `${path.relative(APP_DIR, full).split(path.sep).join("/")}:${exported}`;
          if (typeof value === "function" && !SESSIONLESS.has(id)) found.set(id, value as Action);
        }
      }
    }
  };
  await walk(APP_DIR);
  return found;
}

interface Ids {
  message: string;
  conversation: string;
  assignment: string;
  agent: string;
  apiKey: string;
  rule: string;
  endpoint: string;
  delivery: string;
  operator: string;
}
/** Each workspace's owner (an operator id), looked up once the workspaces exist. */
const ownerIds = new Map<string, string>();
const ofTenant = (t: Tenant): Ids => ({
  operator: ownerIds.get(t.id)!,
  message: t.outbound,
  conversation: t.conversation.id,
  assignment: t.conversation.assignment,
  agent: t.ava,
  apiKey: t.ownerKeyId,
  rule: t.rule,
  endpoint: t.endpoint,
  delivery: t.delivery,
});
const nowhere = (): Ids => ({
  operator: randomUUID(),
  message: randomUUID(),
  conversation: randomUUID(),
  assignment: randomUUID(),
  agent: randomUUID(),
  apiKey: randomUUID(),
  rule: randomUUID(),
  endpoint: randomUUID(),
  delivery: randomUUID(),
});

const CONV = "(app)/conversations/[id]/actions.ts";
const SETTINGS = "(app)/settings";
/**
 * A valid input for every server action; `ids` marks those that name an existing resource.
 * A new action fails the test below until it is added here.
 */
const INPUTS: Record<string, { ids: boolean; input: (ids: Ids) => unknown }> = {
  [`${CONV}:sendTapback`]: {
    ids: true,
    input: (ids) => ({ messageId: ids.message, partIndex: 0, operation: "add", kind: "love" }),
  },
  [`${CONV}:sandboxSendInbound`]: { ids: true, input: (ids) => ({ conversationId: ids.conversation, texts: ["hi"] }) },
  [`${CONV}:sandboxReact`]: {
    ids: true,
    input: (ids) => ({ messageId: ids.message, body: { operation: "add", type: "dislike" } }),
  },
  [`${CONV}:sandboxSetAssignment`]: {
    ids: true,
    input: (ids) => ({ assignmentId: ids.assignment, status: "disconnected" }),
  },
  [`${CONV}:sandboxSetUpstream`]: { ids: false, input: () => ({ mode: "fail" }) },
  [`${CONV}:sendReply`]: { ids: true, input: (ids) => ({ conversationId: ids.conversation, text: "hello" }) },
  [`${CONV}:loadMessageDetails`]: { ids: true, input: (ids) => ({ messageId: ids.message }) },
  [`${CONV}:takeOverAction`]: { ids: true, input: (ids) => ({ conversationId: ids.conversation }) },
  [`${CONV}:handBackAction`]: { ids: true, input: (ids) => ({ conversationId: ids.conversation }) },
  [`${SETTINGS}/account/actions.ts:setNotificationsAction`]: { ids: false, input: () => ({ on: true }) },
  [`${SETTINGS}/operators/actions.ts:addOperatorAction`]: {
    ids: false,
    input: () => ({ email: `new-${randomUUID()}@example.com`, role: "member" }),
  },
  [`${SETTINGS}/operators/actions.ts:changeRoleAction`]: {
    ids: true,
    input: (ids) => ({ id: ids.operator, role: "member" }),
  },
  [`${SETTINGS}/operators/actions.ts:removeOperatorAction`]: { ids: true, input: (ids) => ({ id: ids.operator }) },
  [`${SETTINGS}/account/actions.ts:changePasswordAction`]: {
    ids: false,
    input: () => ({ current: "not-the-password", next: "a-long-new-password" }),
  },
  [`${SETTINGS}/agents/actions.ts:createAgentAction`]: {
    ids: false,
    input: () => ({ name: "Ava", handle: "+14155550199" }),
  },
  [`${SETTINGS}/agents/actions.ts:updateAgentAction`]: {
    ids: true,
    input: (ids) => ({ id: ids.agent, changes: { name: "Taken over" } }),
  },
  [`${SETTINGS}/api-keys/actions.ts:createApiKeyAction`]: {
    ids: true,
    input: (ids) => ({ name: "borrowed", agent_id: ids.agent }),
  },
  [`${SETTINGS}/api-keys/actions.ts:revokeApiKeyAction`]: { ids: true, input: (ids) => ({ id: ids.apiKey }) },
  [`${SETTINGS}/contact-rules/actions.ts:createContactRuleAction`]: {
    ids: false,
    input: () => ({ pattern: "+1777*" }),
  },
  [`${SETTINGS}/contact-rules/actions.ts:deleteContactRuleAction`]: { ids: true, input: (ids) => ({ id: ids.rule }) },
  [`${SETTINGS}/webhooks/actions.ts:createEndpointAction`]: {
    ids: false,
    input: () => ({ url: "http://127.0.0.1:9/b", events: ["reaction.added"] }),
  },
  [`${SETTINGS}/webhooks/actions.ts:updateEndpointAction`]: {
    ids: true,
    input: (ids) => ({ id: ids.endpoint, changes: { enabled: false } }),
  },
  [`${SETTINGS}/webhooks/actions.ts:deleteEndpointAction`]: { ids: true, input: (ids) => ({ id: ids.endpoint }) },
  [`${SETTINGS}/webhooks/actions.ts:rotateSecretAction`]: { ids: true, input: (ids) => ({ id: ids.endpoint }) },
  [`${SETTINGS}/webhooks/actions.ts:redeliverAction`]: {
    ids: true,
    input: (ids) => ({ endpointId: ids.endpoint, deliveryId: ids.delivery }),
  },
};

/** The dashboard's polls (not part of the agent API's document), with the session in the jar. */
const poll = (path: string, etag?: string) =>
  rawCaller(() => null)("GET", path, { headers: etag ? { "if-none-match": etag } : {} });
const thread = (id: string, etag?: string) => poll(`/api/ui/conversations/${id}`, etag);
const inbox = (etag?: string) => poll("/api/ui/inbox", etag);

describe.each(BACKENDS)("workspace isolation in the dashboard on %s", (backend) => {
  let w: TwoWorkspaces;
  let receivers: Receiver[];
  let actions: Map<string, Action>;
  const sessions: Record<"a" | "b", Map<string, string>> = { a: new Map(), b: new Map() };
  const as = (who: "a" | "b" | null) => {
    jar.clear();
    if (who) for (const [k, v] of sessions[who]) jar.set(k, v);
  };

  beforeAll(async () => {
    receivers = [await startReceiver(), await startReceiver()];
    w = await twoWorkspaces(backend, [receivers[0]!.url, receivers[1]!.url]);
    actions = await serverActions();
    for (const tenant of [w.a, w.b]) {
      const owner = await w.t.prisma.operator.findFirstOrThrow({ where: { workspaceId: tenant.id, role: "owner" } });
      ownerIds.set(tenant.id, owner.id);
    }
    for (const who of ["a", "b"] as const) {
      jar.clear();
      // The owner signs in with the one-time password the workspace was created with.
      expect(await signIn(w[who].owner.email, w[who].owner.password)).toBe(true);
      sessions[who] = new Map(jar);
    }
  });
  afterAll(async () => {
    jar.clear();
    await Promise.all(receivers?.map((r) => r.close()) ?? []);
    await w?.t.dispose();
  });

  it("knows an input for every server action", () => {
    expect([...actions.keys()].sort()).toEqual(Object.keys(INPUTS).sort());
  });

  it("refuses every server action without a session, and changes nothing", async () => {
    as(null);
    const counts = await rowCounts(w.t);
    const [a, b] = [await workspaceSnapshot(w.t, w.a.id), await workspaceSnapshot(w.t, w.b.id)];
    for (const [id, action] of actions) {
      const result = await action(INPUTS[id]!.input(ofTenant(w.a)));
      expect(result, id).toMatchObject({ ok: false, code: "unauthorized" });
    }
    expect(await rowCounts(w.t)).toEqual(counts);
    expect(await workspaceSnapshot(w.t, w.a.id)).toEqual(a);
    expect(await workspaceSnapshot(w.t, w.b.id)).toEqual(b);
  });

  it("operator B's session on every server action with A's ids is refused like a nonexistent id and changes nothing", async () => {
    as("b");
    for (const [id, action] of actions) {
      const entry = INPUTS[id]!;
      const snapshot = await workspaceSnapshot(w.t, w.a.id);
      const counts = await rowCounts(w.t);
      const theirs = await action(entry.input(ofTenant(w.a)));
      if (entry.ids) {
        const none = await action(entry.input(nowhere()));
        expect(theirs, id).toEqual(none);
        expect(theirs.ok, id).toBe(false);
        expect(await rowCounts(w.t), `${id} wrote rows`).toEqual(counts);
      }
      // Actions without ids act on B's own workspace; A's rows stay exactly as they were.
      expect(await workspaceSnapshot(w.t, w.a.id), `${id} changed A`).toEqual(snapshot);
    }
    // B's upstream "fail" above is B's alone.
    as("a");
    const react = actions.get(`${CONV}:sendTapback`)!;
    expect(await react({ messageId: w.a.inbound, partIndex: 0, operation: "add", kind: "emphasize" })).toMatchObject({
      ok: true,
    });
  });

  it("the /api/ui polls answer 401 without a session, and 404 for the other workspace's conversation", async () => {
    as(null);
    for (const res of [await inbox(), await thread(w.a.conversation.id)]) {
      expect({ status: res.response.status, code: res.error?.code }).toEqual({ status: 401, code: "unauthorized" });
    }
    as("b");
    const theirs = await thread(w.a.conversation.id);
    const none = await thread(randomUUID());
    expect(theirs.response.status).toBe(404);
    // The same answer, but for the request id every problem carries.
    expect({ ...theirs.error, instance: undefined }).toEqual({ ...none.error, instance: undefined });
    const ownEtag = (await thread(w.b.conversation.id)).response.headers.get("etag")!;
    // Even A's conversation's ETag does not answer 304 to B.
    as("a");
    const aEtag = (await thread(w.a.conversation.id)).response.headers.get("etag")!;
    as("b");
    expect((await thread(w.a.conversation.id, aEtag)).response.status).toBe(404);
    expect((await thread(w.b.conversation.id, ownEtag)).response.status).toBe(304);
    const list = await inbox();
    expect(list.response.status).toBe(200);
    expect(list.data.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [w.b.conversation.id, w.b.rexConversation.id].sort(),
    );
  });

  it("a bridge attachment answers operator B's session on A's agent like a nonexistent agent, and 401 without one", async () => {
    // No API key: the operator's session in the jar is the credential.
    const get = (agent: string) =>
      w.a.api.GET("/agents/{id}/bridge/attachments/{guid}", {
        params: { path: { id: agent, guid: "at_0_A" } },
        headers: { authorization: null },
      });
    as(null);
    expect((await get(w.a.ava)).error!.code).toBe("unauthorized");
    as("b");
    const theirs = await get(w.a.ava);
    const none = await get(randomUUID());
    expect(theirs.response.status).toBe(404);
    expect({ ...theirs.error, instance: undefined }).toEqual({ ...none.error, instance: undefined });
  });

  it("the polls keep 304 through a no-op and give a new ETag for every kind of change", async () => {
    as("a");
    const api = w.a.api;
    const conversation = w.a.conversation.id;
    let threadTag = (await thread(conversation)).response.headers.get("etag")!;
    let inboxTag = (await inbox()).response.headers.get("etag")!;
    expect(threadTag).toBeTruthy();
    expect(inboxTag).toBeTruthy();

    const expectChanged = async (what: string, inInbox: boolean) => {
      const t = await thread(conversation, threadTag);
      expect(t.response.status, `thread after ${what}`).toBe(200);
      expect(t.response.headers.get("etag"), what).not.toBe(threadTag);
      threadTag = t.response.headers.get("etag")!;
      expect((await thread(conversation, threadTag)).response.status, `thread again after ${what}`).toBe(304);
      const i = await inbox(inboxTag);
      expect(i.response.status, `inbox after ${what}`).toBe(inInbox ? 200 : 304);
      if (inInbox) inboxTag = i.response.headers.get("etag")!;
      return t.data;
    };

    expect((await thread(conversation, threadTag)).response.status).toBe(304);
    expect((await inbox(inboxTag)).response.status).toBe(304);
    // No-ops: the tapback already live, and removing one that is not there.
    const like = await api.POST("/reactions", { body: { message_id: w.a.outbound, reaction: "like" } });
    expect(like.response.status).toBe(200);
    const noop = await api.POST("/messages/{id}/reactions", {
      params: { path: { id: w.a.inbound } },
      body: { operation: "remove", type: "love" },
    });
    expect(noop.data).toEqual({ removed: false });
    expect((await thread(conversation, threadTag)).response.status).toBe(304);
    expect((await inbox(inboxTag)).response.status).toBe(304);

    const laugh = await api.POST("/reactions", { body: { message_id: w.a.outbound, reaction: "laugh" } });
    expect(laugh.response.status).toBe(201);
    await expectChanged("a tapback", true);
    await api.POST("/sandbox/messages/{id}/reactions", {
      params: { path: { id: w.a.outbound } },
      body: { operation: "add", type: "question" },
    });
    await expectChanged("a human tapback", true);
    await api.POST("/sandbox/conversations/{id}/inbound", {
      params: { path: { id: conversation } },
      body: { parts: [{ text: "new" }] },
    });
    await expectChanged("an inbound message", true);
    const assignment = { params: { path: { id: w.a.conversation.assignment } } };
    await api.POST("/sandbox/assignments/{id}/disconnect", assignment);
    await expectChanged("a disconnect", true);
    await api.POST("/sandbox/assignments/{id}/reconnect", assignment);
    await expectChanged("a reconnect", true);
    const agent = { params: { path: { id: w.a.ava } } };
    await api.PATCH("/agents/{id}", { ...agent, body: { custom_emoji_sends: false } });
    const afterFlag = await expectChanged("an agent's flag", false);
    expect(afterFlag.agent.customEmojiSends).toBe(false);
    await api.PATCH("/agents/{id}", { ...agent, body: { name: "Ava 2" } });
    expect((await expectChanged("an agent's name", true)).agent.name).toBe("Ava 2");
    await api.PUT("/sandbox/upstream", { body: { mode: "hold" } });
    expect((await expectChanged("the upstream mode", false)).upstreamMode).toBe("hold");
    const held = await api.POST("/conversations/{id}/messages", {
      params: { path: { id: conversation } },
      body: { parts: [{ text: "held" }] },
    });
    expect(held.data!.status).toBe("queued");
    await expectChanged("a held message", true);
    await api.PUT("/sandbox/upstream", { body: { mode: "ok" } });
    // The inbox shows the latest message's own text and time, which a release leaves as they were.
    const released = await expectChanged("the release of held messages", false);
    expect(released.messages.find((m: { id: string }) => m.id === held.data!.id).status).toBe("delivered");
  });
});
