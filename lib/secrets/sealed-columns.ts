import type { Db } from "../db/client";
import { isSealed, type SecretKey, seal, sealedKeyId, sealWith, unsealWith } from "./seal";

/**
 * Every database column that holds a sealed secret. Sealing rows written before sealing
 * existed, and re-sealing under a new key, walk this list: a new sealed column is one entry.
 */
export const SEALED_COLUMNS: readonly { table: string; key: string; columns: readonly string[] }[] = [
  { table: "webhook_endpoint", key: "id", columns: ["secret", "previous_secret"] },
  { table: "bluebubbles_bridge", key: "id", columns: ["password", "inbound_secret"] },
];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

interface Cell {
  table: string;
  key: string;
  column: string;
}

function cells(): Cell[] {
  return SEALED_COLUMNS.flatMap(({ table, key, columns }) => columns.map((column) => ({ table, key, column })));
}

/**
 * Seals the values still stored in clear (rows written before their column was sealed). Runs
 * at every start, before anything reads those columns; a SQL migration cannot do it, because
 * the key never enters the database. Each update only applies if the value is still the clear
 * one it read, so instances starting together never seal a value twice.
 */
export async function sealClearSecrets(db: Db): Promise<number> {
  let sealed = 0;
  for (const { table, key, column } of cells()) {
    const rows = await db.$queryRawUnsafe<{ k: string; v: string }[]>(
      `SELECT ${ident(key)}::text AS k, ${ident(column)} AS v FROM ${ident(table)}
        WHERE ${ident(column)} IS NOT NULL AND ${ident(column)} NOT LIKE 'tdseal:%'`,
    );
    for (const row of rows) {
      sealed += await db.$executeRawUnsafe(
        `UPDATE ${ident(table)} SET ${ident(column)} = $1 WHERE ${ident(key)}::text = $2 AND ${ident(column)} = $3`,
        await seal(row.v),
        row.k,
        row.v,
      );
    }
  }
  return sealed;
}

/**
 * Re-seals every sealed value under `target`, opening each with whichever of `keys` sealed it
 * (values still in clear are sealed too). One transaction: a crash leaves every value under
 * the old keys or every value under the new one. Values already under `target` are left as
 * they are, so running it again after an interruption finishes the job.
 */
export async function resealAll(db: Db, keys: readonly SecretKey[], target: SecretKey): Promise<number> {
  return db.$transaction(
    async (tx) => {
      let count = 0;
      for (const { table, key, column } of cells()) {
        const rows = await tx.$queryRawUnsafe<{ k: string; v: string }[]>(
          `SELECT ${ident(key)}::text AS k, ${ident(column)} AS v FROM ${ident(table)}
            WHERE ${ident(column)} IS NOT NULL FOR UPDATE`,
        );
        for (const row of rows) {
          if (sealedKeyId(row.v) === target.id) continue;
          const plain = isSealed(row.v) ? unsealWith(keys, row.v) : row.v;
          count += await tx.$executeRawUnsafe(
            `UPDATE ${ident(table)} SET ${ident(column)} = $1 WHERE ${ident(key)}::text = $2`,
            sealWith(target, plain),
            row.k,
          );
        }
      }
      return count;
    },
    { timeout: 600_000, maxWait: 60_000 },
  );
}
