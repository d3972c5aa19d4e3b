import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type APIRequestContext, test as base, expect } from "@playwright/test";
import { startFakeBlueBubbles } from "../tests/helpers/fake-bluebubbles";
import { type Receiver, startReceiver } from "../tests/helpers/webhook-receiver";
import { type Cluster, type Instance, startCluster } from "./instances";
import { ConversationPage } from "./pages/conversation-page";
import { LoginPage } from "./pages/login-page";
import { addOperator, signedIn, uniqueEmail } from "./pages/operators";
import { API_KEY, LIVE, OPERATOR } from "./settings";

// Two production instances of the app (the browser suite's build) on one PostgreSQL database,
// the way a deployment on DATABASE_URL may run several: what one instance does, the other shows,
// races between them keep the tapback rules, and background work is done once.

interface Pair {
  cluster: Cluster;
  a: Instance;
  b: Instance;
  apiA: APIRequestContext;
  apiB: APIRequestContext;
}

const test = base.extend<object, { pair: Pair }>({
  pair: [
    async ({ playwright }, use) => {
      // Bridges may be on loopback here (the fake BlueBubbles server), reconciled every second.
      const cluster = await startCluster(2, {
        env: { TAPDESK_ALLOW_PRIVATE_URLS: "1", TAPDESK_BRIDGE_RECONCILE_S: "1" },
      });
      const [a, b] = cluster.instances as [Instance, Instance];
      const api = (instance: Instance) =>
        playwright.request.newContext({
          baseURL: instance.baseUrl,
          extraHTTPHeaders: { Authorization: `Bearer ${API_KEY}` },
        });
      const [apiA, apiB] = await Promise.all([api(a), api(b)]);
      await use({ cluster, a, b, apiA, apiB });
      await Promise.all([apiA.dispose(), apiB.dispose()]);
      await cluster.stop();
    },
    { scope: "worker", timeout: 120_000 },
  ],
});

test.describe.configure({ mode: "serial" });

/** How long a count waits for what would arrive late (a duplicate delivery) before it is taken. */
const SETTLE_MS = 2_000;

let numbers = 0;
async function newConversation(api: APIRequestContext) {
  numbers += 1;
  const remote = `+1555099${String(numbers).padStart(4, "0")}`;
  const created = await api.post("/api/v1/sandbox/conversations", { data: { remote_number: remote } });
  expect(created.status()).toBe(201);
  const { conversation_id } = await created.json();
  return { id: conversation_id as string, remote };
}

async function humanMessage(api: APIRequestContext, conversationId: string, text: string): Promise<string> {
  const sent = await api.post(`/api/v1/sandbox/conversations/${conversationId}/inbound`, {
    data: { parts: [{ text }] },
  });
  expect(sent.status()).toBe(201);
  return (await sent.json()).id;
}

test("a human's tapback made through one instance appears on a thread served by the other", async ({
  pair,
  browser,
}) => {
  const conversation = await newConversation(pair.apiA);
  const messageId = await humanMessage(pair.apiA, conversation.id, "Is my order on its way?");

  const context = await browser.newContext({ baseURL: pair.b.baseUrl });
  const page = await context.newPage();
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(OPERATOR.email, OPERATOR.password);
  await expect(page).toHaveURL(/\/conversations$/);
  const thread = new ConversationPage(page);

  // The page's long-poll to instance B is in flight before the change is made on A.
  const waiting = page.waitForRequest((r) => r.url().includes(`/api/ui/conversations/${conversation.id}?wait=`));
  await thread.goto(conversation.id);
  await waiting;
  // Lets B take the poll in and start waiting (were it slower, the test would only prove less).
  await page.waitForTimeout(300);

  const reacted = await pair.apiA.post(`/api/v1/sandbox/messages/${messageId}/reactions`, {
    data: { operation: "add", type: "love" },
  });
  expect(reacted.status()).toBe(201);
  // Well inside the 25 s wait: only the notice from A's transaction can wake B's poll this soon.
  await expect(thread.badge(`Love by ${conversation.remote}`)).toBeVisible(LIVE);

  // The same through the poll itself: a long-poll waiting on B answers A's change with it.
  const current = await context.request.get(`${pair.b.baseUrl}/api/ui/conversations/${conversation.id}`);
  const etag = current.headers().etag ?? "";
  const poll = context.request.get(`${pair.b.baseUrl}/api/ui/conversations/${conversation.id}?wait=25`, {
    headers: { "If-None-Match": etag },
  });
  await page.waitForTimeout(300);
  await pair.apiA.post(`/api/v1/sandbox/messages/${messageId}/reactions`, {
    data: { operation: "add", type: "laugh" },
  });
  const answer = await poll;
  expect(answer.status()).toBe(200);
  const view = await answer.json();
  expect(view.messages[0].parts[0].reactions.map((r: { kind: string }) => r.kind)).toEqual(["laugh"]);
  await context.close();
});

test("tapbacks racing on one slot through both instances leave one live tapback and a gapless sequence", async ({
  pair,
}) => {
  const conversation = await newConversation(pair.apiA);
  const messageId = await humanMessage(pair.apiA, conversation.id, "Pick one");
  const kinds = ["love", "like", "dislike", "laugh", "emphasize", "question"];
  const sends = Array.from({ length: 24 }, (_, i) =>
    (i % 2 ? pair.apiB : pair.apiA).post("/api/v1/reactions", {
      data: { message_id: messageId, reaction: kinds[i % kinds.length] },
    }),
  );
  const statuses = await Promise.all(sends.map(async (s) => (await s).status()));
  expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);

  const { rows: live } = await pair.cluster.db.query(
    `SELECT kind, sequence FROM reaction WHERE message_id = $1 AND direction = 'outbound'`,
    [messageId],
  );
  expect(live).toHaveLength(1);
  const { rows: changes } = await pair.cluster.db.query(
    `SELECT c.sequence, c.kind FROM reaction_change c WHERE c.message_id = $1 AND c.direction = 'outbound' ORDER BY c.sequence`,
    [messageId],
  );
  expect(changes.map((c) => c.sequence)).toEqual(changes.map((_, i) => i + 1));
  expect(live[0]).toEqual({ kind: changes.at(-1).kind, sequence: changes.length });
  // Through the API of either instance, the same single tapback.
  for (const api of [pair.apiA, pair.apiB]) {
    const message = await (await api.get(`/api/v1/messages/${messageId}`)).json();
    expect(message.reactions.filter((r: { direction: string }) => r.direction === "outbound")).toHaveLength(1);
  }
});

test("each webhook event is delivered once, though both instances run a delivery worker", async ({ pair }) => {
  const receiver: Receiver = await startReceiver();
  try {
    const created = await pair.apiA.post("/api/v1/webhook-endpoints", {
      data: { url: receiver.url, events: ["reaction.added", "reaction.removed"] },
    });
    expect(created.status()).toBe(201);
    const endpoint = await created.json();
    receiver.secrets = [endpoint.secret];

    const conversation = await newConversation(pair.apiB);
    const messages = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => humanMessage(n % 2 ? pair.apiA : pair.apiB, conversation.id, `Message ${n}`)),
    );
    // Ten changes, made through both instances: an add and a removal on each message.
    for (const [i, id] of messages.entries()) {
      const api = i % 2 ? pair.apiA : pair.apiB;
      const other = i % 2 ? pair.apiB : pair.apiA;
      await api.post(`/api/v1/sandbox/messages/${id}/reactions`, { data: { operation: "add", type: "like" } });
      await other.post(`/api/v1/sandbox/messages/${id}/reactions`, { data: { operation: "remove", type: "like" } });
    }

    const settled = async () =>
      (
        await pair.cluster.db.query(
          `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS done, count(*)::int AS total
             FROM webhook_delivery WHERE endpoint_id = $1`,
          [endpoint.id],
        )
      ).rows[0];
    await expect.poll(settled, LIVE).toEqual({ done: 10, total: 10 });
    // Settle: a second delivery by the other instance's worker (a claim both took, a lease
    // taken over) would arrive after the rows say succeeded; both workers poll every 0.5 s,
    // so this window spans several of each one's polls.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const attempts = (
      await pair.cluster.db.query(
        `SELECT count(*)::int AS n FROM webhook_attempt a JOIN webhook_delivery d ON d.id = a.delivery_id
          WHERE d.endpoint_id = $1`,
        [endpoint.id],
      )
    ).rows[0].n;
    expect(attempts).toBe(10);

    const ids = receiver.received.map((r) => r.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(receiver.received.every((r) => r.verifiedWith.length === 1)).toBe(true);
    expect(receiver.received.map((r) => r.json.type).sort()).toEqual([
      ...Array(5).fill("reaction.added"),
      ...Array(5).fill("reaction.removed"),
    ]);
  } finally {
    await receiver.close();
  }
});

test("a bridge is reconciled once per interval, though both instances run a reconciler", async ({ pair }) => {
  const bb = await startFakeBlueBubbles({ password: "two-instances-bridge" });
  try {
    const agent = await (
      await pair.apiA.post("/api/v1/agents", { data: { name: "Bridged", handle: "+15550990999" } })
    ).json();
    const linked = await pair.apiB.patch(`/api/v1/agents/${agent.id}`, {
      data: { bridge: { kind: "bluebubbles", url: bb.url, password: "two-instances-bridge" } },
    });
    expect(linked.status()).toBe(200);
    const queries = () => bb.calls.filter((c) => c.path === "/api/v1/message/query").length;
    await expect.poll(queries, LIVE).toBeGreaterThan(0);
    const before = queries();
    const windowMs = 5_000;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    // Each instance's timer fires every second; together they would ask about twice a second.
    // Once per interval (a run makes the bridge due again 0.9 s later) allows at most this many,
    // and reconciling still goes on: at least one run per two intervals (a run is due 0.9 s after
    // the last, and a timer fires within the next second).
    const runs = queries() - before;
    expect(runs).toBeLessThanOrEqual(Math.ceil(windowMs / 900) + 1);
    expect(runs).toBeGreaterThanOrEqual(Math.floor(windowMs / 2_000));
  } finally {
    await bb.close();
  }
});

/** An MCP client whose requests go to the instances in turn (`targets` [0], [1], [0] …). */
async function mcpClient(targets: Instance[]): Promise<Client> {
  let turn = 0;
  const roundRobin = (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    url.host = new URL(targets[turn++ % targets.length]!.baseUrl).host;
    return fetch(url, input instanceof Request ? input : init);
  };
  const client = new Client({ name: "two-instances", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/api/mcp", targets[0]!.baseUrl), {
      fetch: roundRobin,
      requestInit: { headers: { authorization: `Bearer ${API_KEY}` } },
    }),
  );
  return client;
}

test("an MCP client is served by either instance, request by request, and a wait on one is woken through the other", async ({
  pair,
}) => {
  const conversation = await newConversation(pair.apiA);
  const messageId = await humanMessage(pair.apiA, conversation.id, "Can I change my address?");
  // No session: the handshake, the listing and each call land on alternating instances.
  const agent = await mcpClient([pair.a, pair.b]);
  const waiter = await mcpClient([pair.b]);
  try {
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name)).toContain("wait_for_activity");
    const read = await agent.callTool({ name: "read_conversation", arguments: { conversation_id: conversation.id } });
    expect(read.isError, JSON.stringify(read.content)).toBeFalsy();
    const tapback = await agent.callTool({
      name: "send_tapback",
      arguments: { message_id: messageId, reaction: "like" },
    });
    expect(tapback.isError, JSON.stringify(tapback.content)).toBeFalsy();

    const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
      JSON.parse((result.content as { text: string }[])[0]!.text);
    const start = text(
      await waiter.callTool({
        name: "wait_for_activity",
        arguments: { conversation_id: conversation.id, timeout_s: 0 },
      }),
    );
    const waiting = waiter.callTool({
      name: "wait_for_activity",
      arguments: { conversation_id: conversation.id, timeout_s: 25, cursor: start.cursor },
    });
    // Lets B take the wait in (were it slower, the cursor would still report the change at once).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reply = await humanMessage(pair.apiA, conversation.id, "It's 12 Elm Street now.");
    const activity = text(await waiting);
    expect(activity.timed_out).toBe(false);
    expect(activity.messages.map((m: { id: string }) => m.id)).toEqual([reply]);
  } finally {
    await Promise.all([agent.close(), waiter.close()]);
  }
});

test("presence and take over reach across instances: a member on A, the owner on B", async ({ pair, browser }) => {
  const conversation = await newConversation(pair.apiA);
  const messageId = await humanMessage(pair.apiA, conversation.id, "Anyone there?");
  const receiver: Receiver = await startReceiver();
  const created = await pair.apiA.post("/api/v1/webhook-endpoints", {
    data: { url: receiver.url, events: ["conversation.taken_over", "conversation.handed_back"] },
  });
  expect(created.status()).toBe(201);
  const endpoint = await created.json();
  receiver.secrets = [endpoint.secret];

  const ownerContext = await browser.newContext({ baseURL: pair.b.baseUrl });
  const owner = await ownerContext.newPage();
  const login = new LoginPage(owner);
  await login.goto();
  await login.signIn(OPERATOR.email, OPERATOR.password);
  await expect(owner).toHaveURL(/\/conversations$/);
  // The member is made on B and signs in on A.
  const email = uniqueEmail("instances");
  const password = await addOperator(owner, email, "member");
  const member = await signedIn(browser, email, password, pair.a.baseUrl);
  try {
    const ownerThread = new ConversationPage(owner);
    await ownerThread.goto(conversation.id);
    await new ConversationPage(member).goto(conversation.id);
    await expect(owner.getByText(`${email} is viewing`)).toBeVisible(LIVE);

    // The member takes over on A; the owner's page on B says so, and the agent is refused on both.
    await member.getByRole("button", { name: "Take over", exact: true }).click();
    await expect(owner.getByText(`Taken over by ${email} since`, { exact: false })).toBeVisible(LIVE);
    for (const api of [pair.apiA, pair.apiB]) {
      const refused = await api.post("/api/v1/reactions", { data: { message_id: messageId, reaction: "like" } });
      expect(refused.status()).toBe(409);
      expect(await refused.json()).toMatchObject({ code: "conversation_taken_over", taken_over_by: { email } });
    }
    await expect.poll(() => receiver.received.filter((r) => r.json.type === "conversation.taken_over").length).toBe(1);

    // The member closes the tab: gone from the owner's page on B within 30 s.
    await member.context().close();
    await expect(owner.getByText(`${email} is viewing`)).toBeHidden({ timeout: 30_000 });

    // The owner hands back on B: the agent's tapback through A is accepted again.
    await owner.getByRole("button", { name: "Hand back", exact: true }).click();
    await expect(owner.getByRole("button", { name: "Take over", exact: true })).toBeVisible();
    const accepted = await pair.apiA.post("/api/v1/reactions", { data: { message_id: messageId, reaction: "like" } });
    expect(accepted.status()).toBe(201);
    await expect.poll(() => receiver.received.filter((r) => r.json.type === "conversation.handed_back").length).toBe(1);
  } finally {
    await member
      .context()
      .close()
      .catch(() => {});
    await ownerContext.close();
    await pair.apiA.delete(`/api/v1/webhook-endpoints/${endpoint.id}`);
    await receiver.close();
  }
});
