import { randomBytes } from "node:crypto";
import { announceOperator, forgetOperators } from "../auth/operator-cache";
import { hashPassword, verifyPassword } from "../auth/password";
import type { Db, Tx } from "../db/client";
import { AppError } from "../errors";
import type { Scope } from "../scope";

/**
 * Operators of a workspace: who may sign in to the dashboard, and as what. Owners manage
 * them; a workspace always keeps at least one owner. Removal keeps the row (marked removed)
 * so the audit trail still names who made each change. Every change of an operator's row is
 * announced in its transaction (announceOperator): instances that keep rows read lately
 * (lib/auth/operator-cache.ts) forget them before they answer another request.
 */
export type Role = "owner" | "member";

export interface OperatorEntry {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

export async function listOperators(db: Db, scope: Scope): Promise<OperatorEntry[]> {
  const rows = await db.operator.findMany({
    where: { workspaceId: scope.workspaceId, removedAt: null },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((o) => ({
    id: o.id,
    email: o.email,
    name: o.name,
    role: o.role,
    createdAt: o.createdAt.toISOString(),
  }));
}

/** A password to hand over once: 20 characters of base64url (120 random bits). */
function oneTimePassword(): string {
  return randomBytes(15).toString("base64url");
}

/**
 * Adds an operator with a one-time password, returned here and nowhere else (only its hash
 * is kept). Adding the email of an operator removed from this workspace brings them back.
 */
export async function addOperator(
  db: Db,
  scope: Scope,
  input: { email: string; name?: string; role: Role },
): Promise<OperatorEntry & { password: string }> {
  const password = oneTimePassword();
  const passwordHash = await hashPassword(password);
  const email = input.email.trim().toLowerCase();
  const name = input.name?.trim() || email.split("@")[0] || email;
  const existing = await db.operator.findUnique({ where: { email } });
  if (existing && (existing.workspaceId !== scope.workspaceId || !existing.removedAt)) {
    throw new AppError("operator_email_taken");
  }
  try {
    const row = existing
      ? await db.$transaction(async (tx) => {
          const back = await tx.operator.update({
            where: { id: existing.id, removedAt: { not: null } },
            data: { name, role: input.role, passwordHash, removedAt: null, sessionEpoch: { increment: 1 } },
          });
          await announceOperator(tx, back.id);
          return back;
        })
      : await db.operator.create({
          data: { workspaceId: scope.workspaceId, email, name, role: input.role, passwordHash },
        });
    if (existing) forgetOperators();
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role,
      createdAt: row.createdAt.toISOString(),
      password,
    };
  } catch (error) {
    // Two owners adding the same email at once: the unique email decides.
    if (isUniqueViolation(error)) throw new AppError("operator_email_taken");
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
}

/**
 * Runs a change of roles under the workspace's row lock and refuses it when it would leave
 * no owner, so two owners demoting each other at the same time cannot both succeed.
 */
async function withOwnersLocked<T>(db: Db, scope: Scope, id: string, change: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM workspace WHERE id = ${scope.workspaceId}::uuid FOR UPDATE`;
    const target = await tx.operator.findFirst({ where: { id, workspaceId: scope.workspaceId, removedAt: null } });
    if (!target) throw new AppError("operator_not_found");
    const result = await change(tx);
    const owners = await tx.operator.count({
      where: { workspaceId: scope.workspaceId, removedAt: null, role: "owner" },
    });
    if (owners === 0) throw new AppError("last_owner");
    return result;
  });
}

export async function changeRole(db: Db, scope: Scope, id: string, role: Role): Promise<void> {
  await withOwnersLocked(db, scope, id, async (tx) => {
    await tx.operator.update({ where: { id }, data: { role } });
    await announceOperator(tx, id);
  });
  forgetOperators();
}

/** Removes an operator: every session of theirs ends at once (the epoch moves on). */
export async function removeOperator(db: Db, scope: Scope, id: string): Promise<void> {
  await withOwnersLocked(db, scope, id, async (tx) => {
    await tx.operator.update({ where: { id }, data: { removedAt: new Date(), sessionEpoch: { increment: 1 } } });
    await announceOperator(tx, id);
  });
  forgetOperators();
}

/**
 * Changes the operator's own password after checking the current one. Returns the new
 * session epoch: every other session of theirs ends; the caller re-seals its own.
 */
export async function changeOwnPassword(
  db: Db,
  operatorId: string,
  input: { current: string; next: string },
): Promise<number> {
  const op = await db.operator.findUnique({ where: { id: operatorId } });
  if (!op || op.removedAt) throw new AppError("operator_not_found");
  if (!(await verifyPassword(op.passwordHash, input.current))) throw new AppError("wrong_password");
  const passwordHash = await hashPassword(input.next);
  const updated = await db.$transaction(async (tx) => {
    const row = await tx.operator.update({
      where: { id: operatorId },
      data: { passwordHash, sessionEpoch: { increment: 1 } },
    });
    await announceOperator(tx, operatorId);
    return row;
  });
  forgetOperators();
  return updated.sessionEpoch;
}

/** The emails of operators by id, removed ones included (for the audit trail). */
export async function operatorEmails(db: Db | Tx, scope: Scope, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.operator.findMany({
    where: { workspaceId: scope.workspaceId, id: { in: ids } },
    select: { id: true, email: true },
  });
  return new Map(rows.map((r) => [r.id, r.email]));
}

/** The operator's own opt-in to browser notifications (SPEC §11). */
export async function setNotifyTakenOver(db: Db, operatorId: string, on: boolean): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.operator.update({ where: { id: operatorId }, data: { notifyTakenOver: on } });
    await announceOperator(tx, operatorId);
  });
  forgetOperators();
}
