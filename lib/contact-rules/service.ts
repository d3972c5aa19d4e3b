import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import type { Scope } from "../scope";
import { type ContactRuleBody, type ContactRuleObject, patternsMatching } from "./schemas";

/**
 * Contact rules (docs/concepts.md): a workspace blocks a number or a prefix, and its agents can
 * then neither message nor react to a matching human (`403 contact_blocked`).
 */
function ruleObject(row: { id: string; pattern: string; createdAt: Date }): ContactRuleObject {
  return { id: row.id, pattern: row.pattern, created_at: row.createdAt.toISOString() };
}

export async function listContactRules(db: Db, scope: Scope): Promise<ContactRuleObject[]> {
  const rows = await db.contactRule.findMany({
    where: { workspaceId: scope.workspaceId },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(ruleObject);
}

export async function createContactRule(db: Db, scope: Scope, input: ContactRuleBody): Promise<ContactRuleObject> {
  // ON CONFLICT DO NOTHING: a duplicate is reported, never raced into a 500.
  const [row] = await db.contactRule.createManyAndReturn({
    data: [{ id: randomUUID(), workspaceId: scope.workspaceId, pattern: input.pattern }],
    skipDuplicates: true,
  });
  if (!row) throw new AppError("contact_rule_exists", `A contact rule for ${input.pattern} already exists.`);
  return ruleObject(row);
}

export async function deleteContactRule(db: Db, scope: Scope, id: string): Promise<void> {
  const { count } = await db.contactRule.deleteMany({ where: { id, workspaceId: scope.workspaceId } });
  if (count === 0) throw new AppError("contact_rule_not_found");
}

/** Whether a rule of the workspace blocks `remoteNumber`: one indexed lookup. */
export async function isContactBlocked(db: Db | Tx, workspaceId: string, remoteNumber: string): Promise<boolean> {
  const rule = await db.contactRule.findFirst({
    where: { workspaceId, pattern: { in: patternsMatching(remoteNumber) } },
    select: { id: true },
  });
  return rule !== null;
}
