import { route } from "@/lib/api/operation";
import { createWebhookEndpoint, listWebhookEndpoints } from "@/lib/api/operations/webhooks";

export const { GET, POST, PUT, PATCH, DELETE } = route(listWebhookEndpoints, createWebhookEndpoint);
