import * as webhooks from "../../webhooks/endpoints";
import {
  createdEndpointObject,
  createEndpointBody,
  deliveryDetailObject,
  deliveryListObject,
  deliveryListQuery,
  deliveryObject,
  endpointListObject,
  endpointObject,
  rotatedSecretObject,
  rotateSecretBody,
  updateEndpointBody,
} from "../../webhooks/schemas";
import { json, noContent, pathId } from "../http";
import { defineOperation } from "../operation";

// Webhook endpoints and their delivery log (see docs/webhooks.md); workspace-wide keys only.

export const listWebhookEndpoints = defineOperation({
  method: "get",
  path: "/webhook-endpoints",
  tag: "Webhooks",
  summary: "List webhook endpoints",
  workspaceKey: true,
  replies: { 200: { description: "Every endpoint.", schema: endpointListObject } },
  errors: [],
  handle: async ({ db, caller }) => json({ data: await webhooks.listEndpoints(db, caller) }),
});

export const createWebhookEndpoint = defineOperation({
  method: "post",
  path: "/webhook-endpoints",
  tag: "Webhooks",
  summary: "Create a webhook endpoint",
  description:
    "Deliveries follow Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature). The signing secret is in this response only. Private, loopback and link-local addresses are refused.",
  workspaceKey: true,
  body: createEndpointBody,
  example: {
    url: "https://example.com/webhooks/tapdesk",
    events: ["reaction.added", "reaction.removed"],
    description: "Production receiver",
  },
  replies: { 201: { description: "The endpoint and its secret.", schema: createdEndpointObject } },
  errors: ["webhook_url_not_allowed"],
  handle: async ({ db, caller, body }) => json(await webhooks.createEndpoint(db, caller, await body()), 201),
});

export const getWebhookEndpoint = defineOperation({
  method: "get",
  path: "/webhook-endpoints/{id}",
  tag: "Webhooks",
  summary: "Get a webhook endpoint",
  workspaceKey: true,
  replies: { 200: { description: "The endpoint.", schema: endpointObject } },
  errors: ["webhook_endpoint_not_found"],
  handle: async ({ db, caller }, { id }) =>
    json(await webhooks.getEndpoint(db, caller, pathId(id, "webhook_endpoint_not_found"))),
});

export const updateWebhookEndpoint = defineOperation({
  method: "patch",
  path: "/webhook-endpoints/{id}",
  tag: "Webhooks",
  summary: "Update a webhook endpoint",
  workspaceKey: true,
  body: updateEndpointBody,
  example: { events: ["reaction.added", "reaction.removed", "imessage.reaction_received"], enabled: true },
  replies: { 200: { description: "The endpoint.", schema: endpointObject } },
  errors: ["webhook_endpoint_not_found", "webhook_url_not_allowed"],
  handle: async ({ db, caller, body }, { id }) => {
    const endpointId = pathId(id, "webhook_endpoint_not_found");
    return json(await webhooks.updateEndpoint(db, caller, endpointId, await body()));
  },
});

export const deleteWebhookEndpoint = defineOperation({
  method: "delete",
  path: "/webhook-endpoints/{id}",
  tag: "Webhooks",
  summary: "Delete a webhook endpoint",
  workspaceKey: true,
  replies: { 204: { description: "Deleted." } },
  errors: ["webhook_endpoint_not_found"],
  handle: async ({ db, caller }, { id }) => {
    await webhooks.deleteEndpoint(db, caller, pathId(id, "webhook_endpoint_not_found"));
    return noContent();
  },
});

export const rotateWebhookSecret = defineOperation({
  method: "post",
  path: "/webhook-endpoints/{id}/rotate-secret",
  tag: "Webhooks",
  summary: "Rotate the signing secret",
  description:
    "The old secret keeps signing beside the new one for `overlap_seconds` (default 24 h). The body is optional.",
  workspaceKey: true,
  body: rotateSecretBody,
  example: { overlap_seconds: 3600 },
  bodyOptional: true,
  replies: { 200: { description: "The new secret, shown once.", schema: rotatedSecretObject } },
  errors: ["webhook_endpoint_not_found"],
  handle: async ({ db, caller, body }, { id }) => {
    const endpointId = pathId(id, "webhook_endpoint_not_found");
    const { overlap_seconds } = await body();
    return json(await webhooks.rotateSecret(db, caller, endpointId, overlap_seconds));
  },
});

export const listDeliveries = defineOperation({
  method: "get",
  path: "/webhook-endpoints/{id}/deliveries",
  tag: "Webhooks",
  summary: "The delivery log",
  description: "Newest first.",
  workspaceKey: true,
  query: deliveryListQuery,
  replies: { 200: { description: "One page.", schema: deliveryListObject } },
  errors: ["webhook_endpoint_not_found", "webhook_delivery_not_found"],
  handle: async ({ db, caller, query }, { id }) => {
    const endpointId = pathId(id, "webhook_endpoint_not_found");
    return json(await webhooks.listDeliveries(db, caller, endpointId, query()));
  },
});

export const getDelivery = defineOperation({
  method: "get",
  path: "/webhook-endpoints/{id}/deliveries/{deliveryId}",
  tag: "Webhooks",
  summary: "One delivery with its payload and every attempt",
  workspaceKey: true,
  replies: { 200: { description: "The delivery.", schema: deliveryDetailObject } },
  errors: ["webhook_endpoint_not_found", "webhook_delivery_not_found"],
  handle: async ({ db, caller }, { id, deliveryId }) =>
    json(await webhooks.getDelivery(db, caller, ...deliveryIds(id, deliveryId))),
});

export const redeliver = defineOperation({
  method: "post",
  path: "/webhook-endpoints/{id}/deliveries/{deliveryId}/redeliver",
  tag: "Webhooks",
  summary: "Redeliver",
  description: "Queued again now, with the same webhook-id and a fresh retry schedule.",
  workspaceKey: true,
  replies: { 202: { description: "The delivery, queued.", schema: deliveryObject } },
  errors: ["webhook_endpoint_not_found", "webhook_delivery_not_found", "webhook_endpoint_disabled"],
  handle: async ({ db, caller }, { id, deliveryId }) =>
    json(await webhooks.redeliver(db, caller, ...deliveryIds(id, deliveryId)), 202),
});

/** An endpoint's id and one of its deliveries' ids, each answering its own 404 when not a UUID. */
function deliveryIds(id: string, deliveryId: string): [string, string] {
  return [pathId(id, "webhook_endpoint_not_found"), pathId(deliveryId, "webhook_delivery_not_found")];
}
