import { route } from "@/lib/api/operation";
import { deleteWebhookEndpoint, getWebhookEndpoint, updateWebhookEndpoint } from "@/lib/api/operations/webhooks";

export const { GET, POST, PUT, PATCH, DELETE } = route(
  getWebhookEndpoint,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
);
