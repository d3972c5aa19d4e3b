import { api, json, noContent, otherMethods, parseBody, pathId, readJson } from "@/lib/api/http";
import { deleteEndpoint, getEndpoint, updateEndpoint } from "@/lib/webhooks/endpoints";
import { updateEndpointBody } from "@/lib/webhooks/schemas";

type Params = { id: string };
const settings = { workspaceKey: true };

export const GET = api<Params>(
  async ({ db, caller }, { id }) => json(await getEndpoint(db, caller, pathId(id, "webhook_endpoint_not_found"))),
  settings,
);

export const PATCH = api<Params>(async ({ db, caller, request }, { id }) => {
  const endpointId = pathId(id, "webhook_endpoint_not_found");
  const body = parseBody(updateEndpointBody, await readJson(request));
  return json(await updateEndpoint(db, caller, endpointId, body));
}, settings);

export const DELETE = api<Params>(async ({ db, caller }, { id }) => {
  await deleteEndpoint(db, caller, pathId(id, "webhook_endpoint_not_found"));
  return noContent();
}, settings);

export const { POST, PUT } = otherMethods("GET, PATCH, DELETE");
