import path from "node:path";
import { test as base, expect } from "@playwright/test";
import { type components, createTapdeskClient, succeeded, type TapdeskClient } from "../lib/api/client";
import { ConversationPage } from "./pages/conversation-page";
import { LoginPage } from "./pages/login-page";
import { API_KEY, OPERATOR } from "./settings";

export type ApiReaction = components["schemas"]["CompactReaction"];
export type ApiMessage = components["schemas"]["Message"];

export interface Conversation {
  id: string;
  assignmentId: string;
  remoteNumber: string;
}

export type HumanReaction = components["schemas"]["HumanReactionRequest"];
export type Sticker = components["schemas"]["Sticker"];

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
 * The HTTP API and the sandbox controls (docs/api.md, docs/bridges.md) through the typed client
 * (lib/api/client), as the bootstrap key sees them: the tests create their data and check what
 * was stored through these, never through the app's internals.
 */
export class TapdeskApi {
  private readonly client: TapdeskClient;

  constructor(
    baseUrl: string,
    private readonly workerIndex: number,
  ) {
    this.client = createTapdeskClient({ baseUrl, key: API_KEY });
  }

  async createConversation(): Promise<Conversation> {
    const remoteNumber = freshRemoteNumber(this.workerIndex);
    const created = await succeeded(
      this.client.POST("/sandbox/conversations", { body: { remote_number: remoteNumber } }),
    );
    return { id: created.conversation_id, assignmentId: created.assignment_id, remoteNumber };
  }

  /** The agent sends a message; each text is its own part. */
  sendAgentMessage(conversationId: string, texts: string[]): Promise<ApiMessage> {
    return succeeded(
      this.client.POST("/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { parts: texts.map((text) => ({ text })) },
      }),
    );
  }

  /** The human sends a message from the sandbox phone. */
  sendHumanMessage(conversationId: string, texts: string[]): Promise<ApiMessage> {
    return succeeded(
      this.client.POST("/sandbox/conversations/{id}/inbound", {
        params: { path: { id: conversationId } },
        body: { parts: texts.map((text) => ({ text })) },
      }),
    );
  }

  humanReact(messageId: string, body: HumanReaction): Promise<unknown> {
    return succeeded(
      this.client.POST("/sandbox/messages/{id}/reactions", { params: { path: { id: messageId } }, body }),
    );
  }

  message(id: string): Promise<ApiMessage> {
    return succeeded(this.client.GET("/messages/{id}", { params: { path: { id } } }));
  }

  /** The message's live reactions, oldest first. */
  async reactions(messageId: string): Promise<ApiReaction[]> {
    return (await this.message(messageId)).reactions;
  }

  /** The router disconnects or reconnects the human. */
  setConnected(assignmentId: string, connected: boolean): Promise<unknown> {
    const action = connected ? "reconnect" : "disconnect";
    return succeeded(
      this.client.POST(`/sandbox/assignments/{id}/${action}`, { params: { path: { id: assignmentId } } }),
    );
  }

  createAgent(body: { name: string; handle: string }): Promise<{ id: string; name: string }> {
    return succeeded(this.client.POST("/agents", { body }));
  }

  linkBridge(agentId: string, bridge: { kind: "bluebubbles"; url: string; password: string }): Promise<unknown> {
    return succeeded(this.client.PATCH("/agents/{id}", { params: { path: { id: agentId } }, body: { bridge } }));
  }

  async conversations(): Promise<{ id: string; remote_number: string }[]> {
    return (await succeeded(this.client.GET("/conversations", { params: { query: { limit: 200 } } }))).data;
  }

  /** The agent reacts through the API with the suite's workspace-wide key. */
  agentReact(messageId: string, body: components["schemas"]["ReactionOperationRequest"]): Promise<unknown> {
    return succeeded(this.client.POST("/messages/{id}/reactions", { params: { path: { id: messageId } }, body }));
  }

  /** The workspace's API keys (names and prefixes; never the secrets). */
  async apiKeys(): Promise<{ id: string; name: string; prefix: string }[]> {
    return (await succeeded(this.client.GET("/api-keys"))).data;
  }

  setUpstream(mode: "ok" | "fail" | "hold"): Promise<unknown> {
    return succeeded(this.client.PUT("/sandbox/upstream", { body: { mode } }));
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
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this pattern.
    async ({}, use, workerInfo) => {
      await use(new TapdeskApi(workerInfo.project.use.baseURL!, workerInfo.workerIndex));
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
