"use server";

import { ownerAction } from "@/lib/actions";
import { createAgentBody, updateAgentBody } from "@/lib/agents/schemas";
import { createAgent, updateAgent } from "@/lib/agents/service";
import * as z from "@/lib/zod";

// Settings → Agents: the same service and schemas as /api/v1/agents.

export const createAgentAction = ownerAction(createAgentBody, async ({ operator, db }, input) =>
  createAgent(db, operator.scope, input),
);

export const updateAgentAction = ownerAction(
  z.object({ id: z.uuid(), changes: updateAgentBody }),
  async ({ operator, db }, input) => updateAgent(db, operator.scope, input.id, input.changes),
);
