import * as z from "../zod";
import { EVENT_TYPES } from "./event-types";

/**
 * The request and response shapes of /api/v1/webhook-endpoints, shared by the route
 * handlers, the dashboard's server actions and the OpenAPI document.
 */

export const eventType = z.enum(EVENT_TYPES);

const url = z.string().trim().min(1, "Required.").max(2048, "At most 2048 characters.");
const events = z
  .array(eventType)
  .min(1, "Subscribe to at least one event type.")
  .transform((list) => [...new Set(list)]);
const description = z.string().trim().max(200, "At most 200 characters.");

export const createEndpointBody = z.object({ url, events, description: description.optional() }).strict();
export type CreateEndpointInput = z.infer<typeof createEndpointBody>;

export const updateEndpointBody = z
  .object({
    url: url.optional(),
    events: events.optional(),
    description: description.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "Send at least one of url, events, description, enabled.");
export type UpdateEndpointInput = z.infer<typeof updateEndpointBody>;

export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;

export const rotateSecretBody = z
  .object({
    /** How long the old secret keeps signing beside the new one; 0 retires it at once. */
    overlap_seconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional(),
  })
  .strict();

export const deliveryStatus = z.enum(["pending", "failed", "succeeded", "dead"]);

export const deliveryListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  /** The last delivery id of the previous page. */
  cursor: z.uuid().optional(),
  status: deliveryStatus.optional(),
});

const timestamp = z.iso.datetime();

export const endpointObject = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  events: z.array(eventType),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  /** While a rotated-out secret still signs deliveries (both signatures are sent). */
  previous_secret_expires_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type EndpointObject = z.infer<typeof endpointObject>;

/** The create response: the only time the secret is shown. */
export const createdEndpointObject = endpointObject.extend({ secret: z.string().startsWith("whsec_") });

export const rotatedSecretObject = z.object({
  secret: z.string().startsWith("whsec_"),
  previous_secret_expires_at: timestamp.nullable(),
});

export const deliveryObject = z.object({
  id: z.uuid(),
  endpoint_id: z.uuid(),
  /** The event's id: the body's `id` and the `webhook-id` header of every attempt. */
  event_id: z.uuid(),
  event_type: eventType,
  status: deliveryStatus,
  /** True while a worker is sending it. */
  in_flight: z.boolean(),
  attempts: z.number().int(),
  next_attempt_at: timestamp.nullable(),
  last_attempt_at: timestamp.nullable(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: timestamp,
});
export type DeliveryObject = z.infer<typeof deliveryObject>;

export const attemptObject = z.object({
  number: z.number().int(),
  url: z.string(),
  started_at: timestamp,
  duration_ms: z.number().int(),
  status_code: z.number().int().nullable(),
  response_body: z.string().nullable(),
  error: z.string().nullable(),
});
export type AttemptObject = z.infer<typeof attemptObject>;

/** The body every webhook carries (see docs/webhooks.md). */
export const webhookEventObject = z.object({
  id: z.uuid(),
  type: eventType,
  created_at: timestamp,
  data: z.record(z.string(), z.unknown()),
});

export const deliveryDetailObject = deliveryObject.extend({
  payload: webhookEventObject,
  attempt_log: z.array(attemptObject),
});
export type DeliveryDetailObject = z.infer<typeof deliveryDetailObject>;

export const endpointListObject = z.object({ data: z.array(endpointObject) });
export const deliveryListObject = z.object({
  data: z.array(deliveryObject),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next_cursor: z.uuid().nullable(),
});
