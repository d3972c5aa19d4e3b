import type { SqlRunner } from "@/lib/db/migrate";
import type {
  ColumnShape,
  DatabaseShape,
  ForeignKeyShape,
  IndexShape,
  ReferentialAction,
  TableShape,
} from "./prisma-schema";

/**
 * Reads the shape of the current schema from pg_catalog, in the terms of prisma-schema.ts,
 * and compares two shapes. Used by tests/migrations.test.ts on PGlite and PostgreSQL.
 */

/** Prisma's own bookkeeping table is not part of schema.prisma. */
const BOOKKEEPING_TABLE = "_prisma_migrations";

// Queried with pg_catalog because information_schema hides index order and direction.
const TABLES_SQL = `
  SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`;

const COLUMNS_SQL = `
  SELECT c.relname AS table, a.attname AS name, NOT a.attnotnull AS nullable,
         CASE WHEN t.typtype = 'e' THEN 'enum:' || t.typname
              WHEN et.typtype = 'e' THEN 'enum:' || et.typname || '[]'
              ELSE format_type(a.atttypid, a.atttypmod) END AS type
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typelem <> 0
   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
   ORDER BY c.relname, a.attnum`;

// indkey/indoption are int2vectors (0-based); expression columns (attnum 0) show as null.
const INDEXES_SQL = `
  SELECT tc.relname AS table, ic.relname AS name, ix.indisprimary AS primary, ix.indisunique AS unique,
         am.amname AS method, ix.indpred IS NOT NULL AS partial,
         (SELECT json_agg(json_build_object('name', a.attname, 'desc', (ix.indoption[k.i - 1] & 1) = 1)
                          ORDER BY k.i)
            FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, i)
            LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum) AS columns
    FROM pg_index ix
    JOIN pg_class ic ON ic.oid = ix.indexrelid
    JOIN pg_class tc ON tc.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = tc.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
   WHERE n.nspname = current_schema()
   ORDER BY tc.relname, ic.relname`;

const FOREIGN_KEYS_SQL = `
  SELECT tc.relname AS table, con.conname AS name, rc.relname AS ref_table,
         con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
         (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, i)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
         (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, i)
            JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS ref_columns
    FROM pg_constraint con
    JOIN pg_class tc ON tc.oid = con.conrelid
    JOIN pg_class rc ON rc.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = tc.relnamespace
   WHERE n.nspname = current_schema() AND con.contype = 'f'
   ORDER BY tc.relname, con.conname`;

const ENUMS_SQL = `
  SELECT t.typname AS name, e.enumlabel AS value
    FROM pg_type t
    JOIN pg_enum e ON e.enumtypid = t.oid
    JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname = current_schema()
   ORDER BY t.typname, e.enumsortorder`;

const ACTION_CODES: Record<string, ReferentialAction> = {
  c: "Cascade",
  r: "Restrict",
  a: "NoAction",
  n: "SetNull",
  d: "SetDefault",
};

/** Both drivers parse json columns; tolerate a string in case one does not. */
function json<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

export async function introspect(sql: SqlRunner): Promise<DatabaseShape> {
  const tables = new Map<string, TableShape>();
  for (const { name } of await sql.query<{ name: string }>(TABLES_SQL)) {
    if (name === BOOKKEEPING_TABLE) continue;
    tables.set(name, { name, columns: [], primaryKey: null, indexes: [], foreignKeys: [] });
  }
  for (const c of await sql.query<ColumnShape & { table: string }>(COLUMNS_SQL)) {
    tables.get(c.table)?.columns.push({ name: c.name, nullable: c.nullable, type: c.type });
  }
  type IndexRow = { table: string; name: string; primary: boolean; unique: boolean; method: string; partial: boolean };
  for (const i of await sql.query<IndexRow & { columns: unknown }>(INDEXES_SQL)) {
    const table = tables.get(i.table);
    if (!table) continue;
    // Expression columns and partial indexes cannot come from schema.prisma; mark them so they never match.
    const columns = json<{ name: string | null; desc: boolean }[]>(i.columns).map((c) => ({
      name: c.name ?? "(expression)",
      desc: c.desc,
    }));
    if (i.primary) table.primaryKey = { name: i.name, columns: columns.map((c) => c.name) };
    else
      table.indexes.push({
        name: i.name,
        columns,
        unique: i.unique,
        method: i.partial ? `${i.method} (partial)` : i.method,
      });
  }
  type FkRow = { table: string; name: string; ref_table: string; on_delete: string; on_update: string };
  for (const f of await sql.query<FkRow & { columns: unknown; ref_columns: unknown }>(FOREIGN_KEYS_SQL)) {
    tables.get(f.table)?.foreignKeys.push({
      name: f.name,
      columns: json<string[]>(f.columns),
      refTable: f.ref_table,
      refColumns: json<string[]>(f.ref_columns),
      onDelete: ACTION_CODES[f.on_delete] ?? (f.on_delete as ReferentialAction),
      onUpdate: ACTION_CODES[f.on_update] ?? (f.on_update as ReferentialAction),
    });
  }
  const enums = new Map<string, string[]>();
  for (const { name, value } of await sql.query<{ name: string; value: string }>(ENUMS_SQL)) {
    enums.set(name, [...(enums.get(name) ?? []), value]);
  }
  return { tables: [...tables.values()], enums };
}

// ---------------------------------------------------------------------------------------
// Comparison.

const describeIndex = (i: IndexShape) =>
  `${i.unique ? "unique " : ""}${i.method} (${i.columns.map((c) => (c.desc ? `${c.name} DESC` : c.name)).join(", ")})`;

const describeForeignKey = (f: ForeignKeyShape) =>
  `(${f.columns.join(", ")}) → ${f.refTable}(${f.refColumns.join(", ")}) ON DELETE ${f.onDelete} ON UPDATE ${f.onUpdate}`;

/**
 * Every way `actual` (the migrated database) differs from `expected` (schema.prisma), one
 * plain sentence each; empty when they agree. Both directions count: a column the schema
 * lacks is as much a disagreement as one the migrations lack.
 */
export function diffShapes(expected: DatabaseShape, actual: DatabaseShape): string[] {
  const out: string[] = [];

  for (const [name, values] of expected.enums) {
    const found = actual.enums.get(name);
    if (!found) out.push(`enum ${name} is missing`);
    else if (found.join(",") !== values.join(",")) {
      out.push(`enum ${name} has values [${found.join(", ")}], schema.prisma has [${values.join(", ")}]`);
    }
  }
  for (const name of actual.enums.keys()) {
    if (!expected.enums.has(name)) out.push(`enum ${name} is not in schema.prisma`);
  }

  const actualTables = new Map(actual.tables.map((t) => [t.name, t]));
  for (const want of expected.tables) {
    const have = actualTables.get(want.name);
    if (!have) {
      out.push(`table ${want.name} is missing`);
      continue;
    }
    out.push(...diffTable(want, have).map((d) => `${want.name}: ${d}`));
  }
  const expectedNames = new Set(expected.tables.map((t) => t.name));
  for (const t of actual.tables) if (!expectedNames.has(t.name)) out.push(`table ${t.name} is not in schema.prisma`);
  return out;
}

function diffTable(want: TableShape, have: TableShape): string[] {
  const out: string[] = [];

  const haveColumns = new Map(have.columns.map((c) => [c.name, c]));
  for (const c of want.columns) {
    const found = haveColumns.get(c.name);
    if (!found) {
      out.push(`column ${c.name} is missing`);
      continue;
    }
    if (found.nullable !== c.nullable) {
      out.push(
        `column ${c.name} is ${found.nullable ? "nullable" : "NOT NULL"}, schema.prisma says ${c.nullable ? "optional" : "required"}`,
      );
    }
    if (c.type !== null && found.type !== c.type)
      out.push(`column ${c.name} has type ${found.type}, expected ${c.type}`);
  }
  const wantColumns = new Set(want.columns.map((c) => c.name));
  for (const c of have.columns) if (!wantColumns.has(c.name)) out.push(`column ${c.name} is not in schema.prisma`);

  const pk = (p: TableShape["primaryKey"]) => (p ? `${p.name} (${p.columns.join(", ")})` : "none");
  if (pk(want.primaryKey) !== pk(have.primaryKey)) {
    out.push(`primary key is ${pk(have.primaryKey)}, expected ${pk(want.primaryKey)}`);
  }

  out.push(...diffNamed("index", want.indexes, have.indexes, describeIndex));
  out.push(...diffNamed("foreign key", want.foreignKeys, have.foreignKeys, describeForeignKey));
  return out;
}

/**
 * Matches objects by name (Prisma Migrate compares names too), and says so when the same
 * definition exists under another name rather than reporting one missing and one extra.
 */
function diffNamed<T extends { name: string }>(
  what: string,
  want: T[],
  have: T[],
  render: (item: T) => string,
): string[] {
  const out: string[] = [];
  const haveByName = new Map(have.map((i) => [i.name, i]));
  const wantNames = new Set(want.map((i) => i.name));
  const extras = have.filter((i) => !wantNames.has(i.name));
  for (const w of want) {
    const found = haveByName.get(w.name);
    if (found) {
      if (render(found) !== render(w)) out.push(`${what} ${w.name} is ${render(found)}, expected ${render(w)}`);
      continue;
    }
    const renamed = extras.findIndex((e) => render(e) === render(w));
    if (renamed >= 0) {
      out.push(`${what} ${render(w)} is named ${extras[renamed]!.name}, expected ${w.name}`);
      extras.splice(renamed, 1);
    } else {
      out.push(`${what} ${w.name} ${render(w)} is missing`);
    }
  }
  for (const e of extras) out.push(`${what} ${e.name} ${render(e)} is not in schema.prisma`);
  return out;
}
