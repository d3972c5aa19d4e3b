import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendMessage } from "@/lib/messages/service";
import { createConversation, humanReact } from "@/lib/sandbox";
import type { Scope } from "@/lib/scope";
import { seedIfEmpty } from "@/lib/seed";
import { createEndpoint, getDelivery, updateEndpoint } from "@/lib/webhooks/endpoints";
import { postWebhook } from "@/lib/webhooks/send";
import { blockedRange, checkDestination, parseWebhookUrl, type Resolver } from "@/lib/webhooks/ssrf";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { freshDatabase, type TestDatabase } from "./helpers/db";
import { startReceiver } from "./helpers/webhook-receiver";

/** A fake DNS: tests name hosts that resolve to private addresses without any network. */
function dns(table: Record<string, string[]>): Resolver {
  return async (host) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found;
  };
}

const PUBLIC_V4 = "93.184.216.34";
const PUBLIC_V6 = "2606:4700:4700::1111";

describe("the SSRF guard", () => {
  it.each([
    ["10.0.0.1", "private"],
    ["172.16.5.4", "private"],
    ["192.168.1.1", "private"],
    ["127.0.0.1", "loopback"],
    ["127.8.9.10", "loopback"],
    ["::1", "loopback"],
    ["169.254.169.254", "linkLocal"],
    ["fe80::1", "linkLocal"],
    ["fd00:ec2::254", "uniqueLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["64:ff9b::a00:1", "rfc6052"],
    ["2002:a00:1::", "6to4"],
  ])("refuses %s (%s)", (address, range) => {
    expect(blockedRange(address)).toBe(range);
  });

  it("lets public unicast addresses through", () => {
    expect(blockedRange(PUBLIC_V4)).toBeNull();
    expect(blockedRange(PUBLIC_V6)).toBeNull();
  });

  it.each([
    ["ftp://example.com/hooks", "must use http or https, not ftp"],
    ["javascript:alert(1)", "must use http or https, not javascript"],
    ["file:///etc/passwd", "must use http or https, not file"],
    ["https://user:secret@example.com/hooks", "may not contain a user name or password"],
    ["example.com/hooks", "not an absolute URL"],
  ])("refuses the URL %s", (url, message) => {
    expect(() => parseWebhookUrl(url)).toThrow(message);
  });

  it("refuses localhost through the system resolver", async () => {
    await expect(checkDestination(new URL("http://localhost:3401/hooks"), { allowPrivate: false })).rejects.toThrow(
      /^localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/,
    );
  });

  it.each([
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://10.1.2.3:8080/",
  ])("refuses the address literal in %s", async (url) => {
    await expect(checkDestination(new URL(url), { allowPrivate: false, resolver: dns({}) })).rejects.toThrow(
      /webhook endpoints must be reachable on the public internet/,
    );
  });

  it("refuses a hostname when any of its addresses is private, and names the address", async () => {
    const resolver = dns({
      "evil.example": ["10.0.0.1"],
      "sneaky.example": [PUBLIC_V4, "fd00:ec2::254"],
      "good.example": [PUBLIC_V6, PUBLIC_V4],
    });
    await expect(
      checkDestination(new URL("https://evil.example/h"), { resolver, allowPrivate: false }),
    ).rejects.toThrow("evil.example resolves to 10.0.0.1, which is a private address");
    await expect(
      checkDestination(new URL("https://sneaky.example/h"), { resolver, allowPrivate: false }),
    ).rejects.toThrow("sneaky.example resolves to fd00:ec2::254");
    await expect(
      checkDestination(new URL("https://nowhere.example/h"), { resolver, allowPrivate: false }),
    ).rejects.toThrow("could not be resolved");
    expect(await checkDestination(new URL("https://good.example/h"), { resolver, allowPrivate: false })).toEqual({
      address: PUBLIC_V6,
      family: 6,
    });
  });

  it("is off when TAPDESK_WEBHOOKS_ALLOW_PRIVATE=1", async () => {
    const before = process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
    process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
    try {
      // Allowed, and still pinned: the address it resolved to is the one connected to.
      expect(await checkDestination(new URL("http://localhost:3401/"))).toMatchObject({
        address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
      });
    } finally {
      if (before === undefined) delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
      else process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = before;
    }
  });

  it("connects to the address that was checked, not to a second lookup", async () => {
    const receiver = await startReceiver();
    try {
      // .invalid never resolves: the request can only arrive through the pinned address.
      const url = new URL(`http://pinned.invalid:${receiver.port}/hooks`);
      const outcome = await postWebhook(url, { "webhook-id": "msg_pinned" }, "{}", {
        timeoutMs: 2_000,
        destination: { address: "127.0.0.1", family: 4 },
      });
      expect(outcome).toMatchObject({ statusCode: 200, error: null });
      expect(receiver.received.map((r) => r.id)).toEqual(["msg_pinned"]);
    } finally {
      await receiver.close();
    }
  });
});

describe("the SSRF guard in the service and the worker", () => {
  let t: TestDatabase;
  let scope: Scope;

  beforeAll(async () => {
    t = await freshDatabase("pglite");
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    scope = { workspaceId: seeded!.workspaceId };
  });
  afterAll(() => t?.dispose());

  it("refuses private endpoints at creation and on update with a 422 that says why", async () => {
    const guard = { resolver: dns({ "evil.example": ["10.0.0.1"], "ok.example": [PUBLIC_V4] }), allowPrivate: false };
    await expect(
      createEndpoint(t.prisma, scope, { url: "http://evil.example/h", events: ["reaction.added"] }, guard),
    ).rejects.toMatchObject({
      code: "webhook_url_not_allowed",
      status: 422,
      message: expect.stringContaining("evil.example resolves to 10.0.0.1, which is a private address"),
      errors: [{ field: "url", message: expect.stringContaining("10.0.0.1") }],
    });
    await expect(
      createEndpoint(
        t.prisma,
        scope,
        { url: "http://localhost:3401/h", events: ["reaction.added"] },
        { allowPrivate: false },
      ),
    ).rejects.toMatchObject({ code: "webhook_url_not_allowed" });
    const ok = await createEndpoint(
      t.prisma,
      scope,
      { url: "https://ok.example/h", events: ["reaction.added"] },
      guard,
    );
    await expect(
      updateEndpoint(t.prisma, scope, ok.id, { url: "http://169.254.169.254/latest" }, guard),
    ).rejects.toMatchObject({ code: "webhook_url_not_allowed" });
    await t.prisma.webhookEndpoint.delete({ where: { id: ok.id } });
  });

  it("checks again at delivery: a hostname that now resolves privately is not contacted", async () => {
    const table: Record<string, string[]> = { "hooks.example": [PUBLIC_V4] };
    const resolver = dns(table);
    const endpoint = await createEndpoint(
      t.prisma,
      scope,
      { url: "https://hooks.example/h", events: ["reaction.added"] },
      { resolver, allowPrivate: false },
    );
    // The DNS answer changes after the endpoint was accepted.
    table["hooks.example"] = ["10.0.0.1"];
    const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550005555" });
    const message = await sendMessage(t.prisma, scope, conversation_id, [{ text: "hi" }]);
    await humanReact(t.prisma, scope, message.id, { operation: "add", type: "love" });
    const worker = startWebhookWorker(t.prisma, { resolver, allowPrivate: false, pollMs: 20, schedule: [60_000] });
    try {
      let delivery = await t.prisma.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
      while (delivery.status === "pending") {
        await new Promise((r) => setTimeout(r, 20));
        delivery = await t.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      }
      const detail = await getDelivery(t.prisma, scope, endpoint.id, delivery.id);
      expect(detail.status).toBe("failed");
      expect(detail.attempt_log).toEqual([
        expect.objectContaining({
          status_code: null,
          duration_ms: 0,
          error:
            "Not sent: hooks.example resolves to 10.0.0.1, which is a private address; webhook endpoints must be reachable on the public internet (to allow private and loopback addresses while testing locally, start Tapdesk with TAPDESK_ALLOW_PRIVATE_URLS=1).",
        }),
      ]);
    } finally {
      await worker.stop();
    }
  });
});
