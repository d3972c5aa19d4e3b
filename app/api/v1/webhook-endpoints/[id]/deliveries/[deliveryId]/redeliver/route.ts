import { api, json, otherMethods, pathId } from "@/lib/api/http";
import { redeliver } from "@/lib/webhooks/endpoints";

type Params = { id: string; deliveryId: string };

/** 202: queued again now, with the same webhook-id and a fresh retry schedule. */
export const POST = api<Params>(
  async ({ db, caller }, { id, deliveryId }) =>
    json(
      await redeliver(
        db,
        caller,
        pathId(id, "webhook_endpoint_not_found"),
        pathId(deliveryId, "webhook_delivery_not_found"),
      ),
      202,
    ),
  { workspaceKey: true },
);

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
