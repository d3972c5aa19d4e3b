import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { privateUrlsNotice } from "@/lib/bootstrap";
import { sendMessage } from "@/lib/messages/service";
import {
  createdEndpointObject,
  deliveryDetailObject,
  deliveryListObject,
  endpointListObject,
  endpointObject,
  rotatedSecretObject,
} from "@/lib/webhooks/schemas";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { expectProblem, type Schemas, textOf } from "./helpers/answers";
import { type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

const NOWHERE = "0b7e2f1c-7a51-4c55-9f1e-3f6f4f1f2a10";

function allowPrivate(on: boolean) {
  if (on) process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
  else delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
}

describe.each(BACKENDS)("/api/v1/webhook-endpoints on %s", (backend) => {
  let w: ApiWorld;
  let receiver: Receiver;
  const create = (body: Schemas["CreateWebhookEndpointRequest"], key?: string) =>
    (key === undefined ? w.api : w.as(key)).POST("/webhook-endpoints", { body });
  /** A body the typed client would not send: a field missing, an unknown event. */
  const createRaw = (body: unknown) => w.raw("POST", "/webhook-endpoints", { body });
  const endpointPath = (id: string) => ({ params: { path: { id } } });

  beforeAll(async () => {
    w = await apiWorld(backend);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await w?.dispose();
  });
  afterEach(() => allowPrivate(false));

  it("creates an endpoint (201, secret shown once) and lists, reads, updates and deletes it", async () => {
    allowPrivate(true);
    const created = await create({
      url: receiver.url,
      events: ["reaction.added", "reaction.added"],
      description: "ci",
    });
    expect(created.response.status).toBe(201);
    const endpoint = createdEndpointObject.parse(created.data);
    expect(endpoint).toMatchObject({ url: receiver.url, events: ["reaction.added"], enabled: true, description: "ci" });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const list = await w.api.GET("/webhook-endpoints");
    expect(list.response.status).toBe(200);
    expect(endpointListObject.parse(list.data).data.map((e) => e.id)).toContain(endpoint.id);
    expect(textOf(list)).not.toContain(endpoint.secret);
    const one = await w.api.GET("/webhook-endpoints/{id}", endpointPath(endpoint.id));
    expect(textOf(one)).not.toContain("whsec_");
    expect(endpointObject.strict().parse(one.data).id).toBe(endpoint.id);

    const patched = await w.api.PATCH("/webhook-endpoints/{id}", {
      ...endpointPath(endpoint.id),
      body: { enabled: false, events: ["reaction.removed", "imessage.reaction_received"] },
    });
    expect(patched.response.status).toBe(200);
    expect(patched.data).toMatchObject({
      enabled: false,
      disabled_reason: "Disabled by an API call.",
      events: ["reaction.removed", "imessage.reaction_received"],
    });
    const reenabled = await w.api.PATCH("/webhook-endpoints/{id}", {
      ...endpointPath(endpoint.id),
      body: { enabled: true },
    });
    expect(reenabled.data).toMatchObject({ enabled: true, disabled_reason: null });
    expectProblem(
      await w.api.PATCH("/webhook-endpoints/{id}", { ...endpointPath(endpoint.id), body: {} }),
      422,
      "validation_failed",
    );

    const deleted = await w.api.DELETE("/webhook-endpoints/{id}", endpointPath(endpoint.id));
    expect(deleted.response.status).toBe(204);
    expectProblem(
      await w.api.GET("/webhook-endpoints/{id}", endpointPath(endpoint.id)),
      404,
      "webhook_endpoint_not_found",
    );
  });

  it.each([
    ["http://localhost:3401/hooks", /localhost resolves to .*loopback/],
    ["http://127.0.0.1:3401/hooks", /127\.0\.0\.1 is a loopback address/],
    ["http://169.254.169.254/latest/meta-data", /link-local/],
    ["http://[fd00:ec2::254]/", /private/],
    ["ftp://example.com/hooks", /must use http or https/],
    ["https://user:pw@example.com/hooks", /user name or password/],
  ])("refuses %s with 422 webhook_url_not_allowed", async (url, message) => {
    const problem = expectProblem(await create({ url, events: ["reaction.added"] }), 422, "webhook_url_not_allowed");
    expect(problem.detail).toMatch(message);
    expect(problem.errors).toEqual([{ field: "url", message: problem.detail }]);
  });

  it("tells a self-hoster testing locally how to allow a loopback or private URL, but not a link-local one", async () => {
    for (const url of ["http://127.0.0.1:3401/hooks", "http://localhost:3401/hooks", "http://10.1.2.3/hooks"]) {
      const problem = expectProblem(await create({ url, events: ["reaction.added"] }), 422, "webhook_url_not_allowed");
      expect(problem.detail).toMatch(/must be reachable on the public internet/);
      expect(problem.detail).toContain("TAPDESK_ALLOW_PRIVATE_URLS=1");
    }
    const metadata = expectProblem(
      await create({ url: "http://169.254.169.254/latest/meta-data", events: ["reaction.added"] }),
      422,
      "webhook_url_not_allowed",
    );
    expect(metadata.detail).not.toContain("TAPDESK_ALLOW_PRIVATE_URLS");
  });

  it("says at start when private URLs are allowed, naming the switch", () => {
    const saved = { a: process.env.TAPDESK_ALLOW_PRIVATE_URLS, b: process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE };
    try {
      delete process.env.TAPDESK_ALLOW_PRIVATE_URLS;
      delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
      expect(privateUrlsNotice()).toBeNull();
      process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
      expect(privateUrlsNotice()).toMatch(/TAPDESK_ALLOW_PRIVATE_URLS=1 is on: .*private and loopback addresses/);
    } finally {
      for (const [k, v] of [
        ["TAPDESK_ALLOW_PRIVATE_URLS", saved.a],
        ["TAPDESK_WEBHOOKS_ALLOW_PRIVATE", saved.b],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it("validates the body: events required and known", async () => {
    const missing = expectProblem(await createRaw({ url: "https://example.com/h" }), 422, "validation_failed");
    expect(missing.errors?.map((e) => e.field)).toEqual(["events"]);
    const unknown = expectProblem(
      await createRaw({ url: "https://example.com/h", events: ["reaction.exploded"] }),
      422,
      "validation_failed",
    );
    expect(unknown.errors?.map((e) => e.field)).toEqual(["events.0"]);
    expectProblem(await create({ url: "https://example.com/h", events: [] }), 422, "validation_failed");
  });

  it("is for workspace-wide keys only, and 404s for ids that are not the workspace's", async () => {
    const agentKey = await extraKey(w, w.ava.id, "agent key");
    expectProblem(
      await create({ url: "https://example.com/h", events: ["reaction.added"] }, agentKey),
      403,
      "workspace_key_required",
    );
    expectProblem(await w.as(agentKey).GET("/webhook-endpoints"), 403, "workspace_key_required");
    expectProblem(await w.as(null).GET("/webhook-endpoints"), 401, "unauthorized");
    for (const id of [NOWHERE, "not-a-uuid"]) {
      expectProblem(await w.api.GET("/webhook-endpoints/{id}", endpointPath(id)), 404, "webhook_endpoint_not_found");
    }
  });

  it("rotates the secret: 24 h overlap by default, none when asked", async () => {
    allowPrivate(true);
    const endpoint = createdEndpointObject.parse(
      (await create({ url: receiver.url, events: ["reaction.added"] })).data,
    );
    const rotate = (init: { body?: Schemas["RotateSecretRequest"]; idempotencyKey?: string } = {}) =>
      w.api.POST("/webhook-endpoints/{id}/rotate-secret", {
        params: {
          path: { id: endpoint.id },
          ...(init.idempotencyKey ? { header: { "Idempotency-Key": init.idempotencyKey } } : {}),
        },
        body: init.body,
      });
    const rotated = await rotate();
    expect(rotated.response.status).toBe(200);
    const first = rotatedSecretObject.parse(rotated.data);
    expect(first.secret).not.toBe(endpoint.secret);
    const overlap = new Date(first.previous_secret_expires_at!).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(23 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
    const now = await rotate({ body: { overlap_seconds: 0 } });
    expect(rotatedSecretObject.parse(now.data).previous_secret_expires_at).toBeNull();
    // A bare POST replayed under an Idempotency-Key gives the same secret back, not a third one.
    const once = await rotate({ idempotencyKey: "rotate-once" });
    const twice = await rotate({ idempotencyKey: "rotate-once" });
    expect(once.response.status).toBe(200);
    expect(textOf(twice)).toBe(textOf(once));
    await w.t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
  });

  it("delivers a human tapback made through the sandbox API, and shows its log and redelivers it", async () => {
    allowPrivate(true);
    const endpoint = createdEndpointObject.parse(
      (await create({ url: receiver.url, events: ["imessage.reaction_received", "reaction.added"] })).data,
    );
    receiver.secrets = [endpoint.secret];
    const { conversationId } = await w.newConversation();
    const message = await sendMessage(w.t.prisma, w.scope, conversationId, [{ text: "hello" }]);
    const worker = startWebhookWorker(w.t.prisma, { pollMs: 50 });
    try {
      const reacted = await w.api.POST("/sandbox/messages/{id}/reactions", {
        params: { path: { id: message.id } },
        body: { operation: "add", type: "custom", custom_emoji: "🎉" },
      });
      expect(reacted.response.status).toBe(201);
      const got = await receiver.waitFor((r) => r.length >= 2);
      expect(got.map((r) => r.json.type).sort()).toEqual(["imessage.reaction_received", "reaction.added"]);
      expect(got.every((r) => r.verifiedWith.length === 1)).toBe(true);
      expect(got.find((r) => r.json.type === "imessage.reaction_received")!.json.data).toEqual(reacted.data);

      const deliveryLog = async () =>
        deliveryListObject.parse(
          (await w.api.GET("/webhook-endpoints/{id}/deliveries", endpointPath(endpoint.id))).data,
        );
      let log = await deliveryLog();
      while (log.data.some((d) => d.status !== "succeeded")) {
        await new Promise((r) => setTimeout(r, 25));
        log = await deliveryLog();
      }
      expect(log.data).toHaveLength(2);
      expect(log.next_cursor).toBeNull();
      const first = log.data[0]!;
      const delivery = { params: { path: { id: endpoint.id, deliveryId: first.id } } };
      const detail = await w.api.GET("/webhook-endpoints/{id}/deliveries/{deliveryId}", delivery);
      const parsed = deliveryDetailObject.parse(detail.data);
      expect(parsed.payload.id).toBe(first.event_id);
      expect(parsed.attempt_log).toEqual([expect.objectContaining({ number: 1, status_code: 200, error: null })]);

      const again = await w.api.POST("/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver", delivery);
      expect(again.response.status).toBe(202);
      const redelivered = await receiver.waitFor((r) => r.length >= 3);
      expect(redelivered[2]!.id).toBe(first.event_id);
      expectProblem(
        await w.api.GET("/webhook-endpoints/{id}/deliveries", {
          params: { path: { id: endpoint.id }, query: { limit: 500 } },
        }),
        422,
        "validation_failed",
      );
    } finally {
      await worker.stop();
    }
  });
});
