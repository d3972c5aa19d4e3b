import { randomUUID } from "node:crypto";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { WebhookDeliveryStatus } from "../generated/prisma/client";
import { nudgeOutbox } from "../outbox/nudge";
import type { Scope } from "../scope";
import { seal, unseal } from "../secrets/seal";
import { sealedAt } from "../secrets/sealed-columns";
import { redelivery } from "./delivery-state";
import {
  type AttemptObject,
  type CreateEndpointInput,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  type DeliveryDetailObject,
  type DeliveryObject,
  type EndpointObject,
  type UpdateEndpointInput,
} from "./schemas";
import { generateSecret } from "./signing";
import { checkDestination, parseWebhookUrl, type Resolver, WebhookUrlError } from "./ssrf";

/**
 * Webhook endpoints and their delivery log: the one service behind /api/v1/webhook-endpoints
 * and Settings → Webhooks. Workspace settings, so agent-restricted keys are refused.
 */

export interface GuardOptions {
  resolver?: Resolver;
  allowPrivate?: boolean;
}

function requireWorkspace(scope: Scope): string {
  if (scope.agentId) throw new AppError("workspace_key_required");
  return scope.workspaceId;
}

/** The SSRF guard at creation: a 422 that says what is wrong with the URL. */
async function allowedUrl(raw: string, guard: GuardOptions): Promise<string> {
  try {
    const url = parseWebhookUrl(raw);
    await checkDestination(url, guard);
    return url.toString();
  } catch (error) {
    if (error instanceof WebhookUrlError) {
      throw new AppError("webhook_url_not_allowed", error.message, [{ field: "url", message: error.message }]);
    }
    throw error;
  }
}

type EndpointRow = {
  id: string;
  url: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
};

function endpointObject(row: EndpointRow, now = new Date()): EndpointObject {
  const overlap = row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as EndpointObject["events"],
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    previous_secret_expires_at: overlap ? row.previousSecretExpiresAt!.toISOString() : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

async function findEndpoint(db: Db, scope: Scope, id: string) {
  const row = await db.webhookEndpoint.findFirst({ where: { id, workspaceId: requireWorkspace(scope) } });
  if (!row) throw new AppError("webhook_endpoint_not_found");
  return row;
}

export async function createEndpoint(
  db: Db,
  scope: Scope,
  input: CreateEndpointInput,
  guard: GuardOptions = {},
): Promise<EndpointObject & { secret: string }> {
  const workspaceId = requireWorkspace(scope);
  const url = await allowedUrl(input.url, guard);
  const secret = generateSecret();
  const id = randomUUID();
  const row = await db.webhookEndpoint.create({
    data: {
      id,
      workspaceId,
      url,
      description: input.description ?? "",
      events: input.events,
      secret: await seal(secret, sealedAt("webhook_endpoint", "secret", id)),
    },
  });
  return { ...endpointObject(row), secret };
}

export async function listEndpoints(db: Db, scope: Scope): Promise<EndpointObject[]> {
  const rows = await db.webhookEndpoint.findMany({
    where: { workspaceId: requireWorkspace(scope) },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((r) => endpointObject(r));
}

export async function getEndpoint(db: Db, scope: Scope, id: string): Promise<EndpointObject> {
  return endpointObject(await findEndpoint(db, scope, id));
}

export async function updateEndpoint(
  db: Db,
  scope: Scope,
  id: string,
  input: UpdateEndpointInput,
  options: GuardOptions & { disabledBy?: string } = {},
): Promise<EndpointObject> {
  const current = await findEndpoint(db, scope, id);
  const url = input.url !== undefined ? await allowedUrl(input.url, options) : undefined;
  const row = await db.webhookEndpoint
    .update({
      where: { id: current.id },
      data: {
        ...(url !== undefined ? { url } : {}),
        ...(input.events ? { events: input.events } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.enabled !== undefined
          ? {
              enabled: input.enabled,
              disabledReason: input.enabled ? null : `Disabled by ${options.disabledBy ?? "an API call"}.`,
            }
          : {}),
      },
    })
    .catch((error: unknown) => {
      // Deleted since it was read: the 404 it would have got a moment later.
      if ((error as { code?: string }).code === "P2025") throw new AppError("webhook_endpoint_not_found");
      throw error;
    });
  // Deliveries held back while it was disabled are due again.
  if (input.enabled && !current.enabled) nudgeOutbox("webhooks");
  return endpointObject(row);
}

export async function deleteEndpoint(db: Db, scope: Scope, id: string): Promise<void> {
  const { count } = await db.webhookEndpoint.deleteMany({ where: { id, workspaceId: requireWorkspace(scope) } });
  if (count === 0) throw new AppError("webhook_endpoint_not_found");
}

/** A new secret; the old one keeps signing beside it for `overlapSeconds` so receivers can switch. */
export async function rotateSecret(
  db: Db,
  scope: Scope,
  id: string,
  overlapSeconds = DEFAULT_ROTATION_OVERLAP_SECONDS,
): Promise<{ secret: string; previous_secret_expires_at: string | null }> {
  const secret = generateSecret();
  const expires = overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null;
  // Compare-and-set on the secret it replaces: of two rotations at once, the second one
  // builds on the first (its secret becomes the previous one) instead of losing it; an
  // endpoint deleted meanwhile is a 404 from findEndpoint on the next turn.
  for (;;) {
    const current = await findEndpoint(db, scope, id);
    // Sealed values open only in their own column: the current secret is re-sealed for
    // previous_secret as it moves there.
    const previous = expires
      ? await seal(
          await unseal(current.secret, sealedAt("webhook_endpoint", "secret", current.id)),
          sealedAt("webhook_endpoint", "previous_secret", current.id),
        )
      : null;
    const { count } = await db.webhookEndpoint.updateMany({
      where: { id: current.id, secret: current.secret },
      data: {
        secret: await seal(secret, sealedAt("webhook_endpoint", "secret", current.id)),
        previousSecret: previous,
        previousSecretExpiresAt: expires,
      },
    });
    if (count === 1) break;
  }
  return { secret, previous_secret_expires_at: expires?.toISOString() ?? null };
}

const deliverySelect = {
  id: true,
  endpointId: true,
  eventId: true,
  status: true,
  attempts: true,
  nextAttemptAt: true,
  leaseUntil: true,
  lastAttemptAt: true,
  lastStatusCode: true,
  lastError: true,
  createdAt: true,
  event: { select: { type: true } },
} as const;

type DeliveryRow = {
  id: string;
  endpointId: string;
  eventId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  leaseUntil: Date | null;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  event: { type: string };
};

function deliveryObject(row: DeliveryRow, now = new Date()): DeliveryObject {
  const inFlight = row.leaseUntil !== null && row.leaseUntil > now;
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.event.type as DeliveryObject["event_type"],
    status: row.status,
    in_flight: inFlight,
    attempts: row.attempts,
    next_attempt_at: row.nextAttemptAt?.toISOString() ?? null,
    last_attempt_at: row.lastAttemptAt?.toISOString() ?? null,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
  };
}

/** Newest first, a page at a time. */
export async function listDeliveries(
  db: Db,
  scope: Scope,
  endpointId: string,
  query: { limit: number; cursor?: string; status?: WebhookDeliveryStatus },
): Promise<{ data: DeliveryObject[]; next_cursor: string | null }> {
  const endpoint = await findEndpoint(db, scope, endpointId);
  let after: { createdAt: Date; id: string } | null = null;
  if (query.cursor) {
    after = await db.webhookDelivery.findFirst({
      where: { id: query.cursor, endpointId: endpoint.id },
      select: { createdAt: true, id: true },
    });
    if (!after) throw new AppError("webhook_delivery_not_found", "The cursor names no delivery of this endpoint.");
  }
  const rows = await db.webhookDelivery.findMany({
    where: {
      endpointId: endpoint.id,
      workspaceId: scope.workspaceId,
      ...(query.status ? { status: query.status } : {}),
      ...(after
        ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: query.limit + 1,
    select: deliverySelect,
  });
  const page = rows.slice(0, query.limit);
  return {
    data: page.map((r) => deliveryObject(r)),
    next_cursor: rows.length > query.limit ? page.at(-1)!.id : null,
  };
}

function attemptObject(row: {
  number: number;
  url: string;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
}): AttemptObject {
  return {
    number: row.number,
    url: row.url,
    started_at: row.startedAt.toISOString(),
    duration_ms: row.durationMs,
    status_code: row.statusCode,
    response_body: row.responseBody,
    error: row.error,
  };
}

export async function getDelivery(
  db: Db,
  scope: Scope,
  endpointId: string,
  deliveryId: string,
): Promise<DeliveryDetailObject> {
  const row = await db.webhookDelivery.findFirst({
    where: { id: deliveryId, endpointId, workspaceId: requireWorkspace(scope) },
    select: {
      ...deliverySelect,
      event: { select: { type: true, body: true } },
      log: { orderBy: { number: "desc" } },
    },
  });
  if (!row) throw new AppError("webhook_delivery_not_found");
  return {
    ...deliveryObject(row),
    payload: JSON.parse(row.event.body),
    attempt_log: row.log.map(attemptObject),
  };
}

/**
 * Queues a delivery again, now, with a fresh retry schedule. Same event, same webhook-id:
 * receivers that already processed it recognise the duplicate.
 */
export async function redeliver(db: Db, scope: Scope, endpointId: string, deliveryId: string): Promise<DeliveryObject> {
  const endpoint = await findEndpoint(db, scope, endpointId);
  if (!endpoint.enabled) throw new AppError("webhook_endpoint_disabled");
  const { count } = await db.webhookDelivery.updateMany({
    where: { id: deliveryId, endpointId: endpoint.id, workspaceId: scope.workspaceId },
    // An attempt still in flight loses its claim: its outcome must not overwrite the
    // redelivery asked for after it began (it would mark it succeeded or dead, and never resend).
    data: { ...redelivery(new Date()), claimToken: null, leaseUntil: null },
  });
  if (count === 0) throw new AppError("webhook_delivery_not_found");
  nudgeOutbox("webhooks");
  const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId }, select: deliverySelect });
  return deliveryObject(row);
}
