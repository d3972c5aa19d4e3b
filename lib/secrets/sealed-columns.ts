import type { Db } from "../db/client";
import {
  isLegacySealed,
  isSealed,
  keyRing,
  type SealContext,
  type SecretKey,
  sealedKeyId,
  sealWith,
  unsealLegacyWith,
  unsealWith,
} from "./seal";

/**
 * Every database column that holds a sealed secret. Sealing rows written before sealing
 * existed, binding v1 values to their place, and re-sealing under a new key walk this list:
 * a new sealed column is one entry. `key` is the column naming the row a value is bound to;
 * `only` restricts the entry to some rows (instance_secret also holds non-secret state).
 */
export const SEALED_COLUMNS: readonly { table: string; key: string; columns: readonly string[]; only?: string }[] = [
  { table: "webhook_endpoint", key: "id", columns: ["secret", "previous_secret"] },
  { table: "bluebubbles_bridge", key: "agent_id", columns: ["password", "inbound_secret"] },
  {
    table: "instance_secret",
    key: "name",
    columns: ["value"],
    only: `"name" IN ('session', 'api_key_pepper', 'instance_token')`,
  },
  { table: "feedback_destination", key: "agent_id", columns: ["secret_key"] },
];

/** The place a value of `table.column` in the row keyed `row` is sealed for. */
export function sealedAt(table: string, column: string, row: string): SealContext {
  return { table, column, row };
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Cell {
  table: string;
  key: string;
  column: string;
  only?: string;
}

function cells(): Cell[] {
  return SEALED_COLUMNS.flatMap(({ table, key, columns, only }) =>
    columns.map((column) => ({ table, key, column, only })),
  );
}

const restrict = (cell: Cell) => (cell.only ? ` AND ${cell.only}` : "");

/**
 * Seals the values still stored in clear (rows written before their column was sealed), and
 * binds values sealed before values were bound to their place (format v1). Runs at every
 * start, before anything reads those columns; a SQL migration cannot do it, because the key
 * never enters the database. Each update only applies if the value is still the one it read,
 * so instances starting together never seal a value twice.
 */
export async function sealClearSecrets(db: Db): Promise<number> {
  const ring = keyRing();
  const keys = [ring.current, ...ring.previous];
  let sealed = 0;
  for (const cell of cells()) {
    const { table, key, column } = cell;
    const rows = await db.$queryRawUnsafe<{ k: string; v: string }[]>(
      `SELECT ${ident(key)}::text AS k, ${ident(column)} AS v FROM ${ident(table)}
        WHERE ${ident(column)} IS NOT NULL AND (${ident(column)} NOT LIKE 'tdseal:%' OR ${ident(column)} LIKE 'tdseal:v1:%')${restrict(cell)}`,
    );
    for (const row of rows) {
      const plain = isLegacySealed(row.v) ? unsealLegacyWith(keys, row.v) : row.v;
      sealed += await db.$executeRawUnsafe(
        `UPDATE ${ident(table)} SET ${ident(column)} = $1 WHERE ${ident(key)}::text = $2 AND ${ident(column)} = $3`,
        sealWith(ring.current, plain, sealedAt(table, column, row.k)),
        row.k,
        row.v,
      );
    }
  }
  return sealed;
}

/**
 * Re-seals every sealed value under `target`, opening each with whichever of `keys` sealed it
 * (values still in clear, or sealed as v1, are sealed too). One transaction: a crash leaves
 * every value under the old keys or every value under the new one. Values already under
 * `target` are left as they are, so running it again after an interruption finishes the job.
 */
export async function resealAll(db: Db, keys: readonly SecretKey[], target: SecretKey): Promise<number> {
  return db.$transaction(
    async (tx) => {
      let count = 0;
      for (const cell of cells()) {
        const { table, key, column } = cell;
        const rows = await tx.$queryRawUnsafe<{ k: string; v: string }[]>(
          `SELECT ${ident(key)}::text AS k, ${ident(column)} AS v FROM ${ident(table)}
            WHERE ${ident(column)} IS NOT NULL${restrict(cell)} FOR UPDATE`,
        );
        for (const row of rows) {
          if (sealedKeyId(row.v) === target.id) continue;
          const place = sealedAt(table, column, row.k);
          const plain = isLegacySealed(row.v)
            ? unsealLegacyWith(keys, row.v)
            : isSealed(row.v)
              ? unsealWith(keys, row.v, place)
              : row.v;
          count += await tx.$executeRawUnsafe(
            `UPDATE ${ident(table)} SET ${ident(column)} = $1 WHERE ${ident(key)}::text = $2`,
            sealWith(target, plain, place),
            row.k,
          );
        }
      }
      return count;
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}
