import type { Database } from "@/lib/db/client";

/**
 * A fingerprint of everything stored, to show that a refused request changed nothing. Left out:
 * rows that change on every request by design (a key's last use, throttling counters,
 * idempotency records, which keep refusals too) and the migrator's bookkeeping.
 */
const SKIP = new Set(["_prisma_migrations", "rate_limit", "idempotency_key", "instance_secret"]);

export async function dataFingerprint(database: Pick<Database, "sql">): Promise<Record<string, string>> {
  const tables = await database.sql.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const parts = tables
    .filter((t) => !SKIP.has(t.name))
    .map((t) =>
      t.name === "api_key"
        ? // The whole row (agent, hash, prefix…) but its last use, which every request moves.
          `SELECT 'api_key' AS name, md5(coalesce(string_agg(md5((to_jsonb(x) - 'last_used_at')::text), ',' ORDER BY md5((to_jsonb(x) - 'last_used_at')::text)), '')) AS hash FROM api_key x`
        : `SELECT '${t.name}' AS name, md5(coalesce(string_agg(md5(x::text), ',' ORDER BY md5(x::text)), '')) AS hash FROM "${t.name}" x`,
    );
  const rows = await database.sql.query<{ name: string; hash: string }>(parts.join(" UNION ALL "));
  return Object.fromEntries(rows.map((r) => [r.name, r.hash]));
}
