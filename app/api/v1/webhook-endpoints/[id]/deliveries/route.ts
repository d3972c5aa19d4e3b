import { api, json, otherMethods, parseQuery, pathId } from "@/lib/api/http";
import { listDeliveries } from "@/lib/webhooks/endpoints";
import { deliveryListQuery } from "@/lib/webhooks/schemas";

/** The delivery log of one endpoint, newest first: `?limit=`, `?cursor=`, `?status=`. */
export const GET = api<{ id: string }>(
  async ({ db, caller, request }, { id }) => {
    const endpointId = pathId(id, "webhook_endpoint_not_found");
    return json(await listDeliveries(db, caller, endpointId, parseQuery(deliveryListQuery, request)));
  },
  { workspaceKey: true },
);

export const { POST, PUT, PATCH, DELETE } = otherMethods("GET");
