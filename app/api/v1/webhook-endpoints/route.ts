import { api, json, otherMethods, parseBody, readJson } from "@/lib/api/http";
import { createEndpoint, listEndpoints } from "@/lib/webhooks/endpoints";
import { createEndpointBody } from "@/lib/webhooks/schemas";

const settings = { workspaceKey: true };

export const GET = api(async ({ db, caller }) => json({ data: await listEndpoints(db, caller) }), settings);

/** 201 with the endpoint and its signing secret, which is never shown again. */
export const POST = api(async ({ db, caller, request }) => {
  const body = parseBody(createEndpointBody, await readJson(request));
  return json(await createEndpoint(db, caller, body), 201);
}, settings);

export const { PUT, PATCH, DELETE } = otherMethods("GET, POST");
