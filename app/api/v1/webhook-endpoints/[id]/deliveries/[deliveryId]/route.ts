import { api, json, otherMethods, pathId } from "@/lib/api/http";
import { getDelivery } from "@/lib/webhooks/endpoints";

type Params = { id: string; deliveryId: string };

/** One delivery with its payload and every attempt. */
export const GET = api<Params>(
  async ({ db, caller }, { id, deliveryId }) =>
    json(
      await getDelivery(
        db,
        caller,
        pathId(id, "webhook_endpoint_not_found"),
        pathId(deliveryId, "webhook_delivery_not_found"),
      ),
    ),
  { workspaceKey: true },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
