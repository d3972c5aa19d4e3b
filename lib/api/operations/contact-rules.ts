import { contactRuleBody, contactRuleListSchema, contactRuleSchema } from "../../contact-rules/schemas";
import * as contactRules from "../../contact-rules/service";
import { json, noContent, pathId } from "../http";
import { defineOperation } from "../operation";

export const listContactRules = defineOperation({
  method: "get",
  path: "/contact-rules",
  tag: "Contact rules",
  summary: "List contact rules",
  workspaceKey: true,
  replies: { 200: { description: "Every rule, oldest first.", schema: contactRuleListSchema } },
  errors: [],
  handle: async ({ db, caller }) => json({ data: await contactRules.listContactRules(db, caller) }),
});

export const createContactRule = defineOperation({
  method: "post",
  path: "/contact-rules",
  tag: "Contact rules",
  summary: "Block a number or a prefix",
  description: "The workspace's agents can then neither message nor react to a matching human (403 contact_blocked).",
  workspaceKey: true,
  body: contactRuleBody,
  example: { pattern: "+1415555*" },
  replies: { 201: { description: "The rule.", schema: contactRuleSchema } },
  errors: ["contact_rule_exists"],
  handle: async ({ db, caller, body }) => json(await contactRules.createContactRule(db, caller, await body()), 201),
});

export const deleteContactRule = defineOperation({
  method: "delete",
  path: "/contact-rules/{id}",
  tag: "Contact rules",
  summary: "Remove a contact rule",
  workspaceKey: true,
  replies: { 204: { description: "Removed." } },
  errors: ["contact_rule_not_found"],
  handle: async ({ db, caller }, { id }) => {
    await contactRules.deleteContactRule(db, caller, pathId(id, "contact_rule_not_found"));
    return noContent();
  },
});
