import { randomBytes, randomUUID } from "node:crypto";
import { createApiKey } from "../auth/api-keys";
import { hashPassword } from "../auth/password";
import type { Db } from "../db/client";
import { AppError } from "../errors";
import type { CreatedWorkspace, CreateWorkspaceBody, WorkspaceSummary } from "./schemas";

/**
 * Workspaces (tenants): each starts with an owner operator and a workspace-wide API key,
 * and has its own agents, keys, endpoints, contact rules, operators and sandbox mode.
 */
export async function createWorkspace(
  db: Db,
  input: CreateWorkspaceBody & { password?: string; apiKey?: string },
): Promise<CreatedWorkspace> {
  const password = input.password ?? randomBytes(12).toString("base64url");
  // Hashed before the transaction: argon2 takes tens of milliseconds that no lock should wait for.
  const passwordHash = await hashPassword(password);
  const id = randomUUID();
  return db.$transaction(async (tx) => {
    const workspace = await tx.workspace.create({ data: { id, name: input.name } });
    // Emails sign in without naming a workspace, so one email is one operator everywhere.
    const [owner] = await tx.operator.createManyAndReturn({
      data: [{ id: randomUUID(), workspaceId: id, email: input.owner, name: input.owner, role: "owner", passwordHash }],
      skipDuplicates: true,
    });
    if (!owner) throw new AppError("operator_email_taken");
    const key = await createApiKey(tx as Db, { workspaceId: id }, { name: "Owner key", key: input.apiKey });
    return {
      workspace: { id, name: workspace.name, created_at: workspace.createdAt.toISOString() },
      owner: { email: owner.email, password },
      api_key: key.key,
    };
  });
}

/** Every workspace, oldest first, with its owners and sizes (never a secret). */
export async function listWorkspaces(db: Db): Promise<WorkspaceSummary[]> {
  const rows = await db.workspace.findMany({
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    include: {
      // Removed operators keep their row (the audit trail names them) but no longer count.
      operators: { where: { role: "owner", removedAt: null }, select: { email: true }, orderBy: { createdAt: "asc" } },
      _count: { select: { operators: { where: { removedAt: null } }, agents: true } },
    },
  });
  return rows.map((w) => ({
    id: w.id,
    name: w.name,
    created_at: w.createdAt.toISOString(),
    owners: w.operators.map((o) => o.email),
    operators: w._count.operators,
    agents: w._count.agents,
  }));
}
