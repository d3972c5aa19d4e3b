import { api, json, otherMethods, parseBody, readJson } from "@/lib/api/http";
import { contactRuleBody } from "@/lib/contact-rules/schemas";
import { createContactRule, listContactRules } from "@/lib/contact-rules/service";

export const GET = api(async ({ db, caller }) => json({ data: await listContactRules(db, caller) }), {
  workspaceKey: true,
});

export const POST = api(
  async ({ db, caller, request }) =>
    json(await createContactRule(db, caller, parseBody(contactRuleBody, await readJson(request))), 201),
  { workspaceKey: true },
);

export const { PUT, PATCH, DELETE } = otherMethods("GET, POST");
