"use server";

import { ownerAction } from "@/lib/actions";
import { contactRuleBody } from "@/lib/contact-rules/schemas";
import { createContactRule, deleteContactRule } from "@/lib/contact-rules/service";
import * as z from "@/lib/zod";

// Settings → Contact rules: the same service and schemas as /api/v1/contact-rules.

export const createContactRuleAction = ownerAction(contactRuleBody, async ({ operator, db }, input) =>
  createContactRule(db, operator.scope, input),
);

export const deleteContactRuleAction = ownerAction(z.object({ id: z.uuid() }), async ({ operator, db }, input) => {
  await deleteContactRule(db, operator.scope, input.id);
  return null;
});
