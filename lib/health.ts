import { type Database, getDatabase } from "./db/client";

export interface Health {
  status: "ok" | "error";
  database: "ok" | "unavailable";
}

/** A database that takes longer than this counts as down: a load balancer should look elsewhere. */
const DATABASE_TIMEOUT_MS = 2_000;

/**
 * One database check answers every health request that arrives within this long of its start,
 * the ones that come while it runs included: a load balancer (or a bench) asking many times a
 * second costs the database one `SELECT 1` a second (docs/performance.md). An answer is thus at
 * most this old; a database that stops answering is reported within this plus the timeout.
 */
export const HEALTH_REUSE_MS = 1_000;

let last: { database: Promise<Database>; at: number; health: Promise<Health> } | null = null;

/** Whether the app can serve: it answers, and so does its database (checked at most HEALTH_REUSE_MS ago). */
export function checkHealth(): Promise<Health> {
  const database = getDatabase();
  const now = performance.now();
  // The same database (tests install others), asked lately: the same answer.
  if (last && last.database === database && now - last.at < HEALTH_REUSE_MS) return last.health;
  const health = probe(database);
  last = { database, at: now, health };
  return health;
}

async function probe(database: Promise<Database>): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), DATABASE_TIMEOUT_MS);
    });
    await Promise.race([database.then((d) => d.sql.query("SELECT 1")), timeout]);
    return { status: "ok", database: "ok" };
  } catch {
    return { status: "error", database: "unavailable" };
  } finally {
    clearTimeout(timer);
  }
}

/** The answer `/api/health` gives, one definition for the route file and lib/api/router.ts. */
export function healthAnswer(health: Health): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: health.status === "ok" ? 200 : 503,
    headers: { "cache-control": "no-store", "content-type": "application/json" },
    body: JSON.stringify(health),
  };
}
