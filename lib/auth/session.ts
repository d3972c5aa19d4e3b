import { getIronSession, type SessionOptions, unsealData } from "iron-session";
import { cookies } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { type Db, db, getDatabase } from "../db/client";
import type { Scope } from "../scope";
import { announceOperator, forgetOperators, operatorRow } from "./operator-cache";
import { verifyPassword } from "./password";
import { instanceSecret } from "./secrets";

/** The operator's session: a sealed cookie (iron-session) naming the operator. */
interface SessionData {
  operatorId?: string;
  /** The operator's sessionEpoch when the session began; a newer epoch ends the session. */
  epoch?: number;
}

export interface SignedInOperator {
  id: string;
  email: string;
  name: string;
  role: "owner" | "member";
  scope: Scope;
  /** Opted in to browser notifications for the conversations they took over. */
  notifyTakenOver: boolean;
}

const COOKIE = "tapdesk_session";
const TTL_S = 60 * 60 * 24 * 14;

async function session() {
  const prisma = await db();
  const options: SessionOptions = {
    cookieName: COOKIE,
    password: await instanceSecret(prisma, "session"),
    ttl: TTL_S,
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

/**
 * Cookies this process has unsealed lately. Unsealing derives its keys with PBKDF2 on every
 * call, the largest cost of a dashboard poll after the database; the cookie's content cannot
 * change, so a minute's reuse only lets a seal outlive its 14-day expiry by that minute.
 * Whether the operator still exists, and the session's epoch, are checked on every request all
 * the same (the poll's against a row kept while no change was announced: ./operator-cache.ts).
 */
const unsealed = new Map<string, { data: SessionData; until: number }>();
const UNSEALED_MAX = 1000;
const UNSEALED_MS = 60_000;

async function sessionData(seal: string | undefined): Promise<SessionData> {
  if (!seal) return {};
  const hit = unsealed.get(seal);
  if (hit && hit.until > Date.now()) return hit.data;
  const password = await instanceSecret(await db(), "session");
  const { operatorId, epoch } = await unsealData<SessionData>(seal, { password, ttl: TTL_S });
  if (unsealed.size >= UNSEALED_MAX) unsealed.delete(unsealed.keys().next().value as string);
  unsealed.set(seal, { data: { operatorId, epoch }, until: Date.now() + UNSEALED_MS });
  return { operatorId, epoch };
}

/** The signed-in operator, re-read from the database on every request; null when signed out. */
export async function currentOperator(): Promise<SignedInOperator | null> {
  return operatorOfSeal((await cookies()).get(COOKIE)?.value, false);
}

/**
 * The same for the dashboard's thread poll, served outside Next.js's request scope
 * (lib/api/router.ts), from its own Cookie header. Polled every few seconds by every open
 * thread, it may use the operator's row as read lately: on the embedded database only, where
 * every change of the row is known here the moment it commits (lib/auth/operator-cache.ts).
 */
export function requestOperator(request: Request): Promise<SignedInOperator | null> {
  return operatorOfSeal(cookieValue(request.headers.get("cookie"), COOKIE), true);
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at === -1 || pair.slice(0, at).trim() !== name) continue;
    const value = pair.slice(at + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

async function operatorOfSeal(seal: string | undefined, kept: boolean): Promise<SignedInOperator | null> {
  const { operatorId, epoch } = await sessionData(seal);
  if (!operatorId) return null;
  const database = await getDatabase();
  const op = kept
    ? await operatorRow(database, operatorId)
    : await database.prisma.operator.findUnique({ where: { id: operatorId } });
  // Removal and password changes move the epoch on: older sessions end at once.
  if (!op || op.removedAt || op.sessionEpoch !== (epoch ?? 0)) return null;
  return {
    id: op.id,
    email: op.email,
    name: op.name,
    role: op.role,
    scope: { workspaceId: op.workspaceId },
    notifyTakenOver: op.notifyTakenOver,
  };
}

/** For pages: the operator, or a redirect to /login. */
export async function requireOperator(): Promise<SignedInOperator> {
  const op = await currentOperator();
  if (!op) redirect("/login");
  return op;
}

/**
 * For pages only owners may open (agents, bridges, API keys, webhooks, contact rules,
 * operators): a member gets the 403 page, and nothing of the page is rendered.
 */
export async function requireOwner(): Promise<SignedInOperator> {
  const op = await requireOperator();
  if (op.role !== "owner") forbidden();
  return op;
}

export async function signIn(email: string, password: string): Promise<boolean> {
  const prisma = await db();
  const op = await prisma.operator.findUnique({ where: { email: email.trim().toLowerCase() } });
  // Verify against a dummy hash when the email is unknown, so timing does not tell.
  const ok = await verifyPassword(op?.passwordHash ?? DUMMY_HASH, password);
  if (!op || op.removedAt || !ok) return false;
  await startSession(op.id, op.sessionEpoch);
  return true;
}

/** Seals a session for the operator at the given epoch (also after a password change). */
export async function startSession(operatorId: string, epoch: number): Promise<void> {
  const s = await session();
  s.operatorId = operatorId;
  s.epoch = epoch;
  await s.save();
}

/**
 * Ends this session on the server, not only in this browser: the operator's epoch moves on,
 * so a copy of the cookie (another tab, a stolen one) stops working at once. Every session of
 * the operator ends with it: the cookie carries no id of its own to end one alone.
 */
export async function signOut(): Promise<void> {
  const s = await session();
  const { operatorId, epoch } = s;
  s.destroy();
  if (!operatorId) return;
  await endSessions(await db(), operatorId, epoch ?? 0);
}

/**
 * Moves the operator's epoch on from `epoch`: every session sealed at it ends, on every
 * instance, at once (announced in the same transaction: lib/auth/operator-cache.ts). Only the
 * epoch the cookie was sealed at: signing out with an already ended session moves nothing.
 */
export async function endSessions(prisma: Db, operatorId: string, epoch: number): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.operator.updateMany({
      where: { id: operatorId, sessionEpoch: epoch },
      data: { sessionEpoch: { increment: 1 } },
    });
    if (count > 0) await announceOperator(tx, operatorId);
  });
  forgetOperators();
}

const DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bV6W9k4XnK0XoS3kP4i1mJ7h6yvQ9Yg2Zq3mX1wZ7Q";
