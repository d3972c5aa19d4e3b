import { api, noContent, otherMethods, pathId } from "@/lib/api/http";
import { revokeApiKey } from "@/lib/auth/api-keys";

export const DELETE = api<{ id: string }>(
  async ({ db, caller }, { id }) => {
    await revokeApiKey(db, caller, pathId(id, "api_key_not_found"));
    return noContent();
  },
  { workspaceKey: true },
);

export const { GET, POST, PUT, PATCH } = otherMethods("DELETE");
