"use server";

import { ownerAction } from "@/lib/actions";
import { createEndpoint, deleteEndpoint, redeliver, rotateSecret, updateEndpoint } from "@/lib/webhooks/endpoints";
import { createEndpointBody, updateEndpointBody } from "@/lib/webhooks/schemas";
import * as z from "@/lib/zod";

// Settings → Webhooks: the same service as /api/v1/webhook-endpoints.

export const createEndpointAction = ownerAction(createEndpointBody, async ({ operator, db }, input) => {
  const created = await createEndpoint(db, operator.scope, input);
  return { id: created.id, url: created.url, secret: created.secret };
});

export const updateEndpointAction = ownerAction(
  z.object({ id: z.uuid(), changes: updateEndpointBody }),
  async ({ operator, db }, input) => {
    await updateEndpoint(db, operator.scope, input.id, input.changes, { disabledBy: operator.email });
    return null;
  },
);

export const deleteEndpointAction = ownerAction(z.object({ id: z.uuid() }), async ({ operator, db }, input) => {
  await deleteEndpoint(db, operator.scope, input.id);
  return null;
});

export const rotateSecretAction = ownerAction(z.object({ id: z.uuid() }), async ({ operator, db }, input) =>
  rotateSecret(db, operator.scope, input.id),
);

export const redeliverAction = ownerAction(
  z.object({ endpointId: z.uuid(), deliveryId: z.uuid() }),
  async ({ operator, db }, input) => {
    await redeliver(db, operator.scope, input.endpointId, input.deliveryId);
    return null;
  },
);
