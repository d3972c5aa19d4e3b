import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import type { APIRequestContext } from "@playwright/test";
import { type Receiver, startReceiver } from "../tests/helpers/webhook-receiver";
import { expect, test } from "./fixtures";
import { LoginPage } from "./pages/login-page";
import { API_KEY } from "./settings";

// What an operator of a second tenant finds: `npm run workspace -- create` while the server runs
// (through the server on the embedded database, directly on PostgreSQL), then the new owner
// signs in and sees nothing of the first workspace, by API or in the dashboard, and no event
// of one workspace reaches the other's endpoint.

const ROOT = path.resolve(import.meta.dirname, "..");
const run = promisify(execFile);

interface Created {
  email: string;
  password: string;
  apiKey: string;
}

async function createWorkspace(env: Record<string, string>, owner: string): Promise<Created> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!env.DATABASE_URL) delete childEnv.DATABASE_URL;
  const { stdout } = await run(
    path.join(ROOT, "node_modules/.bin/tsx"),
    ["scripts/workspace.ts", "create", "--name", "Second tenant", "--owner", owner],
    { cwd: ROOT, env: childEnv },
  );
  const field = (label: RegExp) => stdout.match(label)?.[1] ?? "";
  return {
    email: field(/Email:\s+(\S+)/),
    password: field(/Password:\s+(\S+)/),
    apiKey: field(/API key \(workspace-wide, shown once\):\s+(\S+)/),
  };
}

test.describe.configure({ mode: "serial" });

test("a second workspace, created while the server runs, sees nothing of the first", async ({
  api,
  conversation,
  playwright,
  browser,
}, testInfo) => {
  const baseURL = testInfo.project.use.baseURL!;
  const env = (testInfo.project.metadata as { workspaceCommandEnv: Record<string, string> }).workspaceCommandEnv;
  const owner = `owner-${randomBytes(4).toString("hex")}@second.test`;
  const b = await createWorkspace(env, owner);
  expect(b.email).toBe(owner);
  expect(b.apiKey).toMatch(/^td_/);

  const client = (key: string) =>
    playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${key}` } });
  const [asA, asB] = await Promise.all([client(API_KEY), client(b.apiKey)]);
  const receivers: Receiver[] = [await startReceiver("/a"), await startReceiver("/b")];
  const endpoints: [APIRequestContext, string][] = [];
  try {
    // A's things: a conversation with an agent message, a human message and tapbacks on them.
    const sent = await api.sendAgentMessage(conversation.id, ["for A only"]);
    const human = await api.sendHumanMessage(conversation.id, ["hi A"]);
    const tapback = await (
      await asA.post("/api/v1/reactions", { data: { message_id: human.id, reaction: "love" } })
    ).json();
    const agents = (await (await asA.get("/api/v1/agents")).json()).data as { id: string }[];
    const keys = (await (await asA.get("/api/v1/api-keys")).json()).data as { id: string; prefix: string }[];

    // B's lists hold nothing of A's.
    for (const list of ["conversations", "agents", "webhook-endpoints", "contact-rules"]) {
      const res = await asB.get(`/api/v1/${list}`);
      expect(res.status(), list).toBe(200);
      expect((await res.json()).data, list).toEqual([]);
    }
    const bKeys = (await (await asB.get("/api/v1/api-keys")).json()).data as { id: string }[];
    expect(bKeys).toHaveLength(1);
    expect(keys.map((k) => k.id)).not.toContain(bKeys[0]!.id);

    // Every attempt on A's ids answers as for an id that never existed, and changes nothing.
    const same = async (method: string, url: (id: string) => string, real: string, data?: unknown) => {
      const theirs = await asB.fetch(url(real), { method, data });
      const none = await asB.fetch(url(randomUUID()), { method, data });
      // A problem's `instance` names the request, so it differs between any two answers.
      const answer = async (r: typeof theirs) => ({
        status: r.status(),
        body: { ...(await r.json()), instance: null },
      });
      expect(await answer(theirs), `${method} ${url(":id")}`).toEqual(await answer(none));
      expect(theirs.status()).toBe(404);
    };
    await same("GET", (id) => `/api/v1/conversations/${id}`, conversation.id);
    await same("GET", (id) => `/api/v1/conversations/${id}/messages`, conversation.id);
    await same("GET", (id) => `/api/v1/messages/${id}`, sent.id);
    await same("GET", (id) => `/api/v1/reactions/${id}`, tapback.id);
    await same("DELETE", (id) => `/api/v1/reactions/${id}`, tapback.id);
    await same("PATCH", (id) => `/api/v1/agents/${id}`, agents[0]!.id, { name: "Taken" });
    await same("DELETE", (id) => `/api/v1/api-keys/${id}`, keys[0]!.id);
    await same("POST", (id) => `/api/v1/messages/${id}/reactions`, human.id, { operation: "add", type: "like" });
    await same("POST", (id) => `/api/v1/sandbox/messages/${id}/reactions`, sent.id, { operation: "add", type: "like" });
    await same("POST", (id) => `/api/v1/sandbox/assignments/${id}/disconnect`, conversation.assignmentId);
    expect((await api.message(human.id)).reactions.map((r) => r.reaction)).toEqual(["love"]);
    expect((await asA.get("/api/v1/api-keys")).status()).toBe(200);
    expect((await (await asA.get(`/api/v1/conversations/${conversation.id}`)).json()).status).toBe("active");

    // Webhooks: each workspace's endpoint gets its own events only.
    for (const [ctx, receiver] of [
      [asA, receivers[0]!],
      [asB, receivers[1]!],
    ] as const) {
      const res = await ctx.post("/api/v1/webhook-endpoints", {
        data: { url: receiver.url, events: ["imessage.reaction_received", "reaction.added", "reaction.removed"] },
      });
      expect(res.status()).toBe(201);
      const endpoint = await res.json();
      receiver.secrets = [endpoint.secret];
      endpoints.push([ctx, endpoint.id]);
    }
    await api.humanReact(sent.id, { operation: "add", type: "laugh" });
    await receivers[0]!.waitFor((r) => r.length >= 2);
    const bConversation = await (
      await asB.post("/api/v1/agents", { data: { name: "Bo of B", handle: "+14155550100" } })
    ).json();
    const bConv = await (
      await asB.post("/api/v1/sandbox/conversations", {
        data: { remote_number: conversation.remoteNumber, agent_id: bConversation.id },
      })
    ).json();
    const bHuman = await (
      await asB.post(`/api/v1/sandbox/conversations/${bConv.conversation_id}/inbound`, {
        data: { parts: [{ text: "hi B" }] },
      })
    ).json();
    await asB.post("/api/v1/reactions", { data: { message_id: bHuman.id, reaction: "like" } });
    await receivers[1]!.waitFor((r) => r.length >= 1);
    // Settle before judging what B's endpoint heard: every delivery it has made (none pending;
    // A's endpoint may keep hearing other specs), then a moment for a request still on its way.
    // A leak of A's events to B's endpoint could otherwise arrive after the check.
    const pending = async () => {
      const [ctx, id] = endpoints[1]!;
      const res = await ctx.get(`/api/v1/webhook-endpoints/${id}/deliveries?status=pending&limit=100`);
      expect(res.status()).toBe(200);
      return ((await res.json()) as { data: unknown[] }).data.length;
    };
    await expect.poll(pending, { timeout: 15_000 }).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const about = (r: Receiver) =>
      r.received.map((x) => {
        const data = x.json.data as { target_message_id?: string; message_id?: string };
        return data.target_message_id ?? data.message_id;
      });
    // A's endpoint also hears other specs working in A at the same time, never B.
    expect(about(receivers[0]!)).toContain(sent.id);
    expect(about(receivers[0]!)).not.toContain(bHuman.id);
    expect(new Set(about(receivers[1]!))).toEqual(new Set([bHuman.id]));
    for (const r of receivers) expect(r.received.every((x) => x.verifiedWith.length === 1)).toBe(true);

    // The dashboard: B's owner signs in with the one-time password and finds only B's conversation.
    const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
    try {
      const page = await context.newPage();
      const login = new LoginPage(page);
      await login.goto();
      await login.signIn(b.email, b.password);
      await expect(page).toHaveURL(/\/conversations$/);
      await expect(page.getByText("hi B")).toBeVisible();
      await expect(page.getByText("hi A")).toHaveCount(0);
      await expect(page.getByText("for A only")).toHaveCount(0);
      const theirs = await page.goto(`/conversations/${conversation.id}`);
      const none = await page.goto(`/conversations/${randomUUID()}`);
      expect(theirs?.status()).toBe(404);
      expect(none?.status()).toBe(404);
      await page.goto("/settings/agents");
      await expect(page.getByRole("cell", { name: "Bo of B", exact: true })).toBeVisible();
      await expect(page.getByText("Ava", { exact: true })).toHaveCount(0);
      await page.goto("/settings/api-keys");
      for (const k of keys) await expect(page.getByText(k.prefix)).toHaveCount(0);
      await page.goto("/settings/webhooks");
      await expect(page.getByText(receivers[1]!.url).first()).toBeVisible();
      await expect(page.getByText(receivers[0]!.url)).toHaveCount(0);
    } finally {
      await context.close();
    }
  } finally {
    for (const [ctx, id] of endpoints) await ctx.delete(`/api/v1/webhook-endpoints/${id}`);
    await Promise.all([asA.dispose(), asB.dispose(), ...receivers.map((r) => r.close())]);
  }
});
