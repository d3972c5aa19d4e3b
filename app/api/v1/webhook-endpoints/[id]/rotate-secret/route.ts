import { route } from "@/lib/api/operation";
import { rotateWebhookSecret } from "@/lib/api/operations/webhooks";

export const { GET, POST, PUT, PATCH, DELETE } = route(rotateWebhookSecret);
