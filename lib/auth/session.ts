import { getIronSession, type SessionOptions } from "iron-session";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { db } from "../db/client";
import type { Scope } from "../scope";
import { verifyPassword } from "./password";
import { instanceSecret } from "./secrets";

/** The operator's session: a sealed cookie (iron-session) naming the operator. */
interface SessionData {
  operatorId?: string;
}

export interface SignedInOperator {
  id: string;
  email: string;
  name: string;
  role: "owner" | "member";
  scope: Scope;
}

async function session() {
  const prisma = await db();
  const options: SessionOptions = {
    cookieName: "tapdesk_session",
    password: await instanceSecret(prisma, "session"),
    ttl: 60 * 60 * 24 * 14,
    cookieOptions: {
      httpOnly: true,
      sameSite: "lax",
      // Plain http on localhost must work; behind TLS set TAPDESK_SECURE_COOKIES=1.
      secure: process.env.TAPDESK_SECURE_COOKIES === "1",
      path: "/",
    },
  };
  return getIronSession<SessionData>(await cookies(), options);
}

/** The signed-in operator, re-read from the database on every request; null when signed out. */
export async function currentOperator(): Promise<SignedInOperator | null> {
  const s = await session();
  if (!s.operatorId) return null;
  const prisma = await db();
  const op = await prisma.operator.findUnique({ where: { id: s.operatorId } });
  if (!op) return null;
  return { id: op.id, email: op.email, name: op.name, role: op.role, scope: { workspaceId: op.workspaceId } };
}

/** For pages: the operator, or a redirect to /login. */
export async function requireOperator(): Promise<SignedInOperator> {
  const op = await currentOperator();
  if (!op) redirect("/login");
  return op;
}

export async function signIn(email: string, password: string): Promise<boolean> {
  const prisma = await db();
  const op = await prisma.operator.findUnique({ where: { email: email.trim().toLowerCase() } });
  // Verify against a dummy hash when the email is unknown, so timing does not tell.
  const ok = await verifyPassword(op?.passwordHash ?? DUMMY_HASH, password);
  if (!op || !ok) return false;
  const s = await session();
  s.operatorId = op.id;
  await s.save();
  return true;
}

export async function signOut(): Promise<void> {
  const s = await session();
  s.destroy();
}

const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bV6W9k4XnK0XoS3kP4i1mJ7h6yvQ9Yg2Zq3mX1wZ7Q";
