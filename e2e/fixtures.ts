import path from "node:path";
import { type APIRequestContext, test as base, expect } from "@playwright/test";
import { ConversationPage } from "./pages/conversation-page";
import { LoginPage } from "./pages/login-page";
import { API_KEY, OPERATOR } from "./settings";

/** The parts of the API's reaction object (docs/concepts.md) the tests read. */
export interface ApiReaction {
  id: string;
  direction: "inbound" | "outbound";
  reaction: string;
  custom_emoji: string | null;
  part_index: number;
  sequence: number;
}
export interface ApiMessage {
  id: string;
  conversation_id: string;
  direction: "inbound" | "outbound";
  status: string;
  parts: { index: number; type: string; text?: string }[];
  reactions: ApiReaction[];
}

export interface Conversation {
  id: string;
  assignmentId: string;
  remoteNumber: string;
}

export type HumanReaction =
  | { operation: "add" | "remove"; type: string; custom_emoji?: string; part_index?: number }
  | { operation: "add"; type: "sticker"; sticker: Sticker; part_index?: number };

export interface Sticker {
  file_name: string;
  mime_type: string;
  url: string;
  width: number;
  height: number;
}

/** One of the demo stickers the app serves from /public. */
export const PARTY_PARROT: Sticker = {
  file_name: "party-parrot.svg",
  mime_type: "image/svg+xml",
  url: "/stickers/party-parrot.svg",
  width: 96,
  height: 96,
};

let numbers = 0;
/** A remote number no other test uses (E.164, in the fictional 555 range). */
function freshRemoteNumber(workerIndex: number): string {
  numbers += 1;
  const n = (workerIndex * 100_000 + numbers * 1_000 + Math.floor(Math.random() * 1_000)) % 10_000_000;
  return `+1555${String(n).padStart(7, "0")}`;
}

/**
 * The HTTP API and the sandbox controls (docs/api.md, docs/bridges.md), as the bootstrap key sees them: the
 * tests create their data and check what was stored through these, never through the app's
 * internals.
 */
export class TapdeskApi {
  constructor(
    private readonly request: APIRequestContext,
    private readonly workerIndex: number,
  ) {}

  private async call<T>(method: string, url: string, data?: unknown): Promise<T> {
    const response = await this.request.fetch(url, { method, data });
    if (!response.ok()) {
      throw new Error(`${method} ${url} answered ${response.status()}: ${await response.text()}`);
    }
    return (await response.json()) as T;
  }

  async createConversation(): Promise<Conversation> {
    const remoteNumber = freshRemoteNumber(this.workerIndex);
    const created = await this.call<{ conversation_id: string; assignment_id: string }>(
      "POST",
      "/api/v1/sandbox/conversations",
      { remote_number: remoteNumber },
    );
    return { id: created.conversation_id, assignmentId: created.assignment_id, remoteNumber };
  }

  /** The agent sends a message; each text is its own part. */
  sendAgentMessage(conversationId: string, texts: string[]): Promise<ApiMessage> {
    return this.call("POST", `/api/v1/conversations/${conversationId}/messages`, {
      parts: texts.map((text) => ({ text })),
    });
  }

  /** The human sends a message from the sandbox phone. */
  sendHumanMessage(conversationId: string, texts: string[]): Promise<ApiMessage> {
    return this.call("POST", `/api/v1/sandbox/conversations/${conversationId}/inbound`, {
      parts: texts.map((text) => ({ text })),
    });
  }

  humanReact(messageId: string, body: HumanReaction): Promise<unknown> {
    return this.call("POST", `/api/v1/sandbox/messages/${messageId}/reactions`, body);
  }

  message(id: string): Promise<ApiMessage> {
    return this.call("GET", `/api/v1/messages/${id}`);
  }

  /** The message's live reactions, oldest first. */
  async reactions(messageId: string): Promise<ApiReaction[]> {
    return (await this.message(messageId)).reactions;
  }

  /** The router disconnects or reconnects the human. */
  setConnected(assignmentId: string, connected: boolean): Promise<unknown> {
    return this.call("POST", `/api/v1/sandbox/assignments/${assignmentId}/${connected ? "reconnect" : "disconnect"}`);
  }

  createAgent(body: { name: string; handle: string }): Promise<{ id: string; name: string }> {
    return this.call("POST", "/api/v1/agents", body);
  }

  linkBridge(agentId: string, bridge: { kind: "bluebubbles"; url: string; password: string }): Promise<unknown> {
    return this.call("PATCH", `/api/v1/agents/${agentId}`, { bridge });
  }

  async conversations(): Promise<{ id: string; remote_number: string }[]> {
    return (
      await this.call<{ data: { id: string; remote_number: string }[] }>("GET", "/api/v1/conversations?limit=200")
    ).data;
  }

  /** The agent reacts through the API with the suite's workspace-wide key. */
  agentReact(
    messageId: string,
    body: { operation: "add" | "remove"; type: string; part_index?: number },
  ): Promise<unknown> {
    return this.call("POST", `/api/v1/messages/${messageId}/reactions`, body);
  }

  /** The workspace's API keys (names and prefixes; never the secrets). */
  async apiKeys(): Promise<{ id: string; name: string; prefix: string }[]> {
    return (await this.call<{ data: { id: string; name: string; prefix: string }[] }>("GET", "/api/v1/api-keys")).data;
  }

  setUpstream(mode: "ok" | "fail" | "hold"): Promise<unknown> {
    return this.call("PUT", "/api/v1/sandbox/upstream", { mode });
  }
}

interface TestFixtures {
  /** A new conversation (its own assignment and remote number) for this test alone. */
  conversation: Conversation;
  thread: ConversationPage;
  /** Uncaught errors in the page fail the test. */
  pageErrors: undefined;
}

interface WorkerFixtures {
  api: TapdeskApi;
  /** Storage state of an operator signed in through /login once per worker. */
  operatorState: string;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  api: [
    async ({ playwright }, use, workerInfo) => {
      const request = await playwright.request.newContext({
        baseURL: workerInfo.project.use.baseURL,
        extraHTTPHeaders: { Authorization: `Bearer ${API_KEY}` },
      });
      await use(new TapdeskApi(request, workerInfo.workerIndex));
      await request.dispose();
    },
    { scope: "worker" },
  ],

  operatorState: [
    async ({ browser }, use, workerInfo) => {
      const file = path.join(workerInfo.project.outputDir, ".auth", `operator-${workerInfo.workerIndex}.json`);
      const context = await browser.newContext({ baseURL: workerInfo.project.use.baseURL });
      const login = new LoginPage(await context.newPage());
      await login.goto();
      await login.signIn(OPERATOR.email, OPERATOR.password);
      await expect(login.page).toHaveURL(/\/conversations$/);
      await context.storageState({ path: file });
      await context.close();
      await use(file);
    },
    { scope: "worker" },
  ],

  // Every test starts signed in unless it asks for an empty storage state.
  storageState: async ({ operatorState }, use) => use(operatorState),

  conversation: async ({ api }, use) => use(await api.createConversation()),

  thread: async ({ page }, use) => use(new ConversationPage(page)),

  pageErrors: [
    async ({ page }, use) => {
      const errors: Error[] = [];
      page.on("pageerror", (error) => errors.push(error));
      await use(undefined);
      expect(errors, "uncaught errors in the page").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
