import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as humanReactions from "@/app/api/v1/sandbox/messages/[id]/reactions/route";
import * as redeliverRoute from "@/app/api/v1/webhook-endpoints/[id]/deliveries/[deliveryId]/redeliver/route";
import * as deliveryById from "@/app/api/v1/webhook-endpoints/[id]/deliveries/[deliveryId]/route";
import * as deliveries from "@/app/api/v1/webhook-endpoints/[id]/deliveries/route";
import * as rotate from "@/app/api/v1/webhook-endpoints/[id]/rotate-secret/route";
import * as endpointById from "@/app/api/v1/webhook-endpoints/[id]/route";
import * as endpoints from "@/app/api/v1/webhook-endpoints/route";
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
import { type ApiResponse, type ApiWorld, apiWorld, extraKey } from "./helpers/api";
import { BACKENDS } from "./helpers/db";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

const NOWHERE = "0b7e2f1c-7a51-4c55-9f1e-3f6f4f1f2a10";

function expectProblem(res: ApiResponse, status: number, code: string) {
  expect({ status: res.status, code: res.json?.code }).toEqual({ status, code });
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return res.json as { detail: string; errors?: { field: string; message: string }[] };
}

function allowPrivate(on: boolean) {
  if (on) process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE = "1";
  else delete process.env.TAPDESK_WEBHOOKS_ALLOW_PRIVATE;
}

describe.each(BACKENDS)("/api/v1/webhook-endpoints on %s", (backend) => {
  let w: ApiWorld;
  let receiver: Receiver;
  const call: ApiWorld["call"] = (...args) => w.call(...args);
  const create = (body: unknown, key?: string) => call(endpoints.POST, "POST", "/webhook-endpoints", { body, key });

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
    expect(created.status).toBe(201);
    const endpoint = createdEndpointObject.parse(created.json);
    expect(endpoint).toMatchObject({ url: receiver.url, events: ["reaction.added"], enabled: true, description: "ci" });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const list = await call(endpoints.GET, "GET", "/webhook-endpoints");
    expect(list.status).toBe(200);
    expect(endpointListObject.parse(list.json).data.map((e) => e.id)).toContain(endpoint.id);
    expect(list.text).not.toContain(endpoint.secret);
    const one = await call(endpointById.GET, "GET", `/webhook-endpoints/${endpoint.id}`, {
      params: { id: endpoint.id },
    });
    expect(one.text).not.toContain("whsec_");
    expect(endpointObject.strict().parse(one.json).id).toBe(endpoint.id);

    const patched = await call(endpointById.PATCH, "PATCH", `/webhook-endpoints/${endpoint.id}`, {
      params: { id: endpoint.id },
      body: { enabled: false, events: ["reaction.removed", "imessage.reaction_received"] },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      enabled: false,
      disabled_reason: "Disabled by an API call.",
      events: ["reaction.removed", "imessage.reaction_received"],
    });
    const reenabled = await call(endpointById.PATCH, "PATCH", `/webhook-endpoints/${endpoint.id}`, {
      params: { id: endpoint.id },
      body: { enabled: true },
    });
    expect(reenabled.json).toMatchObject({ enabled: true, disabled_reason: null });
    expectProblem(
      await call(endpointById.PATCH, "PATCH", `/webhook-endpoints/${endpoint.id}`, {
        params: { id: endpoint.id },
        body: {},
      }),
      422,
      "validation_failed",
    );

    const deleted = await call(endpointById.DELETE, "DELETE", `/webhook-endpoints/${endpoint.id}`, {
      params: { id: endpoint.id },
    });
    expect(deleted.status).toBe(204);
    expectProblem(
      await call(endpointById.GET, "GET", `/webhook-endpoints/${endpoint.id}`, { params: { id: endpoint.id } }),
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

  it("validates the body: events required and known", async () => {
    const missing = expectProblem(await create({ url: "https://example.com/h" }), 422, "validation_failed");
    expect(missing.errors?.map((e) => e.field)).toEqual(["events"]);
    const unknown = expectProblem(
      await create({ url: "https://example.com/h", events: ["reaction.exploded"] }),
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
    expectProblem(
      await call(endpoints.GET, "GET", "/webhook-endpoints", { key: agentKey }),
      403,
      "workspace_key_required",
    );
    expectProblem(await call(endpoints.GET, "GET", "/webhook-endpoints", { key: null }), 401, "unauthorized");
    for (const id of [NOWHERE, "not-a-uuid"]) {
      expectProblem(
        await call(endpointById.GET, "GET", `/webhook-endpoints/${id}`, { params: { id } }),
        404,
        "webhook_endpoint_not_found",
      );
    }
  });

  it("rotates the secret: 24 h overlap by default, none when asked", async () => {
    allowPrivate(true);
    const endpoint = createdEndpointObject.parse(
      (await create({ url: receiver.url, events: ["reaction.added"] })).json,
    );
    const rotated = await call(rotate.POST, "POST", `/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      params: { id: endpoint.id },
    });
    expect(rotated.status).toBe(200);
    const first = rotatedSecretObject.parse(rotated.json);
    expect(first.secret).not.toBe(endpoint.secret);
    const overlap = new Date(first.previous_secret_expires_at!).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(23 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
    const now = await call(rotate.POST, "POST", `/webhook-endpoints/${endpoint.id}/rotate-secret`, {
      params: { id: endpoint.id },
      body: { overlap_seconds: 0 },
    });
    expect(rotatedSecretObject.parse(now.json).previous_secret_expires_at).toBeNull();
    // A bare POST replayed under an Idempotency-Key gives the same secret back, not a third one.
    const keyed = { params: { id: endpoint.id }, headers: { "idempotency-key": "rotate-once" } };
    const once = await call(rotate.POST, "POST", `/webhook-endpoints/${endpoint.id}/rotate-secret`, keyed);
    const twice = await call(rotate.POST, "POST", `/webhook-endpoints/${endpoint.id}/rotate-secret`, keyed);
    expect(once.status).toBe(200);
    expect(twice.text).toBe(once.text);
    await w.t.prisma.webhookEndpoint.delete({ where: { id: endpoint.id } });
  });

  it("delivers a human tapback made through the sandbox API, and shows its log and redelivers it", async () => {
    allowPrivate(true);
    const endpoint = createdEndpointObject.parse(
      (await create({ url: receiver.url, events: ["imessage.reaction_received", "reaction.added"] })).json,
    );
    receiver.secrets = [endpoint.secret];
    const { conversationId } = await w.newConversation();
    const message = await sendMessage(w.t.prisma, w.scope, conversationId, [{ text: "hello" }]);
    const worker = startWebhookWorker(w.t.prisma, { pollMs: 50 });
    try {
      const reacted = await call(humanReactions.POST, "POST", `/sandbox/messages/${message.id}/reactions`, {
        params: { id: message.id },
        body: { operation: "add", type: "custom", custom_emoji: "🎉" },
      });
      expect(reacted.status).toBe(201);
      const got = await receiver.waitFor((r) => r.length >= 2);
      expect(got.map((r) => r.json.type).sort()).toEqual(["imessage.reaction_received", "reaction.added"]);
      expect(got.every((r) => r.verifiedWith.length === 1)).toBe(true);
      expect(got.find((r) => r.json.type === "imessage.reaction_received")!.json.data).toEqual(reacted.json);

      let log = deliveryListObject.parse(
        (
          await call(deliveries.GET, "GET", `/webhook-endpoints/${endpoint.id}/deliveries`, {
            params: { id: endpoint.id },
          })
        ).json,
      );
      while (log.data.some((d) => d.status !== "succeeded")) {
        await new Promise((r) => setTimeout(r, 25));
        log = deliveryListObject.parse(
          (
            await call(deliveries.GET, "GET", `/webhook-endpoints/${endpoint.id}/deliveries`, {
              params: { id: endpoint.id },
            })
          ).json,
        );
      }
      expect(log.data).toHaveLength(2);
      expect(log.next_cursor).toBeNull();
      const first = log.data[0]!;
      const detail = await call(deliveryById.GET, "GET", `/webhook-endpoints/${endpoint.id}/deliveries/${first.id}`, {
        params: { id: endpoint.id, deliveryId: first.id },
      });
      const parsed = deliveryDetailObject.parse(detail.json);
      expect(parsed.payload.id).toBe(first.event_id);
      expect(parsed.attempt_log).toEqual([expect.objectContaining({ number: 1, status_code: 200, error: null })]);

      const again = await call(
        redeliverRoute.POST,
        "POST",
        `/webhook-endpoints/${endpoint.id}/deliveries/${first.id}/redeliver`,
        { params: { id: endpoint.id, deliveryId: first.id } },
      );
      expect(again.status).toBe(202);
      const redelivered = await receiver.waitFor((r) => r.length >= 3);
      expect(redelivered[2]!.id).toBe(first.event_id);
      expectProblem(
        await call(deliveries.GET, "GET", `/webhook-endpoints/${endpoint.id}/deliveries?limit=500`, {
          params: { id: endpoint.id },
        }),
        422,
        "validation_failed",
      );
    } finally {
      await worker.stop();
    }
  });
});
