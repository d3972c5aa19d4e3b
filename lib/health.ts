import { getDatabase } from "./db/client";

export interface Health {
  status: "ok" | "error";
  database: "ok" | "unavailable";
}

/** A database that takes longer than this counts as down: a load balancer should look elsewhere. */
const DATABASE_TIMEOUT_MS = 2_000;

/** Whether the app can serve: it answers, and so does its database. */
export async function checkHealth(): Promise<Health> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timed out")), DATABASE_TIMEOUT_MS);
    });
    await Promise.race([getDatabase().then((database) => database.sql.query("SELECT 1")), timeout]);
    return { status: "ok", database: "ok" };
  } catch {
    return { status: "error", database: "unavailable" };
  } finally {
    clearTimeout(timer);
  }
}
