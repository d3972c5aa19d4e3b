import { api, noContent, otherMethods, pathId } from "@/lib/api/http";
import { deleteContactRule } from "@/lib/contact-rules/service";

export const DELETE = api<{ id: string }>(
  async ({ db, caller }, { id }) => {
    await deleteContactRule(db, caller, pathId(id, "contact_rule_not_found"));
    return noContent();
  },
  { workspaceKey: true },
);

export const { GET, POST, PUT, PATCH } = otherMethods("DELETE");
