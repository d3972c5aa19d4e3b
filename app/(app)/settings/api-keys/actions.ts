"use server";

import { ownerAction } from "@/lib/actions";
import { createApiKeyBody } from "@/lib/auth/api-key-schemas";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import * as z from "@/lib/zod";

// Settings → API keys: the same service and schemas as /api/v1/api-keys.

export const createApiKeyAction = ownerAction(createApiKeyBody, async ({ operator, db }, input) =>
  createApiKey(db, operator.scope, { name: input.name, agentId: input.agent_id }),
);

export const revokeApiKeyAction = ownerAction(z.object({ id: z.uuid() }), async ({ operator, db }, input) => {
  await revokeApiKey(db, operator.scope, input.id);
  return null;
});
