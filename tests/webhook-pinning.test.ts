import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { receiveMessage } from "@/lib/messages/service";
import { createConversation, humanReact } from "@/lib/sandbox";
import { seedIfEmpty } from "@/lib/seed";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import type { Resolver } from "@/lib/webhooks/ssrf";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { freshDatabase, type TestDatabase } from "./helpers/db";

/**
 * The worker hands the sender the address the SSRF guard checked (lib/webhooks/worker.ts →
 * postWebhook's `destination`), so a second lookup at connect time cannot swap a private address
 * in. Public addresses cannot be reached from a test, so the sender is replaced by one that
 * records what it was given and answers 200; tests/webhooks-ssrf.test.ts shows postWebhook
 * itself connecting to the pinned address.
 */
const sent = vi.hoisted(() => [] as Array<{ url: string; destination: unknown }>);
vi.mock("@/lib/webhooks/send", async (original) => {
  const real = await original<typeof import("@/lib/webhooks/send")>();
  return {
    ...real,
    postWebhook: async (url: URL, _headers: unknown, _body: string, options: { destination?: unknown }) => {
      sent.push({ url: url.href, destination: options.destination });
      return { statusCode: 200, responseBody: "", error: null, durationMs: 1 };
    },
  };
});

describe("the worker pins the checked address", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase("postgres");
  });
  afterAll(() => t?.dispose());

  it("sends to the first address the guard resolved, with its family, and checks again at delivery", async () => {
    const table: Record<string, string[]> = { "hooks.example": ["2606:4700:4700::1111", "93.184.216.34"] };
    const resolver: Resolver = async (host) => table[host] ?? [];
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const scope = { workspaceId: seeded!.workspaceId };
    await createEndpoint(
      t.prisma,
      scope,
      { url: "https://hooks.example/in", events: ["reaction.added"] },
      { resolver, allowPrivate: false },
    );
    // The name moves between creation and delivery: the delivery uses what it resolves to now.
    table["hooks.example"] = ["93.184.216.34"];
    const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550006666" });
    const message = await receiveMessage(t.prisma, scope, conversation_id, [{ text: "hi" }]);
    await humanReact(t.prisma, scope, message.id, { operation: "add", type: "love" });
    const worker = startWebhookWorker(t.prisma, { resolver, allowPrivate: false, pollMs: 20 });
    try {
      await vi.waitFor(() => expect(sent.length).toBeGreaterThan(0), { timeout: 20_000, interval: 20 });
    } finally {
      await worker.stop();
    }
    expect(sent[0]).toEqual({ url: "https://hooks.example/in", destination: { address: "93.184.216.34", family: 4 } });
  });
});
