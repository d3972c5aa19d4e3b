import { api, HttpProblem, json, otherMethods, parseBody, pathId, readBytes } from "@/lib/api/http";
import { rotateSecret } from "@/lib/webhooks/endpoints";
import { rotateSecretBody } from "@/lib/webhooks/schemas";

/** The body is optional: a bare POST (no body or an empty one) rotates with the default overlap. */
async function optionalJson(request: Request): Promise<unknown> {
  const text = Buffer.from(await readBytes(request)).toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem("invalid_json", "The request body is not valid JSON.");
  }
}

/** A new secret (shown once); the old one keeps signing beside it for `overlap_seconds` (default 24 h). */
export const POST = api<{ id: string }>(
  async ({ db, caller, request }, { id }) => {
    const endpointId = pathId(id, "webhook_endpoint_not_found");
    const body = parseBody(rotateSecretBody, await optionalJson(request));
    return json(await rotateSecret(db, caller, endpointId, body.overlap_seconds));
  },
  { workspaceKey: true },
);

export const { GET, PUT, PATCH, DELETE } = otherMethods("POST");
