/**
 * A small reader for prisma/schema.prisma, enough to say what database Prisma Migrate
 * would build from it (PostgreSQL). Prisma's own parser lives in its schema engine,
 * which cannot be downloaded on these machines (docs/decisions.md), so the migration
 * conformance test reads the schema itself.
 *
 * It reads formatted schemas (one field or attribute per line, `}` on a line of its own,
 * as `prisma format` writes them). Anything it does not understand and that could change
 * the database (views, @@ignore, @@schema, implicit many-to-many tables …) throws, so the
 * test fails loudly instead of silently checking less.
 */

// ---------------------------------------------------------------------------------------
// The database shape: what Prisma would create, and what introspection finds.

export interface ColumnShape {
  name: string;
  nullable: boolean;
  /** As PostgreSQL's format_type() prints it; enums as `enum:<name>`; null = not checked. */
  type: string | null;
}

export interface IndexColumn {
  name: string;
  desc: boolean;
}

export interface IndexShape {
  name: string;
  columns: IndexColumn[];
  unique: boolean;
  /** btree, hash, gin, gist … */
  method: string;
}

export interface ForeignKeyShape {
  name: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: ReferentialAction;
  onUpdate: ReferentialAction;
}

export type ReferentialAction = "Cascade" | "Restrict" | "NoAction" | "SetNull" | "SetDefault";

export interface TableShape {
  name: string;
  columns: ColumnShape[];
  primaryKey: { name: string; columns: string[] } | null;
  /** Every index except the primary key's. */
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
}

export interface DatabaseShape {
  tables: TableShape[];
  /** Enum type name → its values in order. */
  enums: Map<string, string[]>;
}

// ---------------------------------------------------------------------------------------
// Parsing.

export interface Attribute {
  /** Without the `@`/`@@`: "id", "map", "db.Uuid", "relation" … */
  name: string;
  /** The text between the parentheses, or null when there are none. */
  args: string | null;
}

export interface Field {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attributes: Attribute[];
}

export interface Model {
  name: string;
  fields: Field[];
  attributes: Attribute[];
}

export interface Enum {
  name: string;
  /** The values as written, each with its own attributes (@map). */
  values: { name: string; attributes: Attribute[] }[];
  attributes: Attribute[];
}

export interface PrismaSchema {
  models: Model[];
  enums: Enum[];
}

/** Drops `//` and `///` comments, leaving string literals (which may hold `//`) intact. */
function stripComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * Splits on `separator` at nesting depth 0, outside strings:
 * `[a, b(sort: Desc)], map: "x"` → `[a, b(sort: Desc)]`, `map: "x"`.
 */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === "\\") {
        current += c + (text[++i] ?? "");
        continue;
      }
      if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (c === separator && depth === 0) {
      parts.push(current.trim());
      current = "";
      continue;
    }
    current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Reads `@a @b(x, y) @db.VarChar(3)` (or `@@…`) into attributes, balancing parentheses. */
function parseAttributes(text: string): Attribute[] {
  const attributes: Attribute[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const head = /^@@?([A-Za-z_][\w.]*)/.exec(text.slice(i));
    if (!head) throw new Error(`Cannot read attributes at: ${text.slice(i)}`);
    i += head[0].length;
    let args: string | null = null;
    if (text[i] === "(") {
      let depth = 0;
      let inString = false;
      const start = i + 1;
      for (; i < text.length; i++) {
        const c = text[i]!;
        if (inString) {
          if (c === "\\") i++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === "(") depth++;
        else if (c === ")" && --depth === 0) break;
      }
      if (depth !== 0) throw new Error(`Unbalanced parentheses in: ${text}`);
      args = text.slice(start, i);
      i++;
    }
    attributes.push({ name: head[1]!, args });
  }
  return attributes;
}

const BLOCK_START = /^(model|enum|view|type|generator|datasource)\s+(\w+)\s*\{$/;
const FIELD = /^(\w+)\s+(Unsupported\("(?:[^"\\]|\\.)*"\)|\w+)(\[\])?(\?)?(?:\s+(.*))?$/;

export function parsePrismaSchema(text: string): PrismaSchema {
  const schema: PrismaSchema = { models: [], enums: [] };
  const lines = stripComments(text)
    .split("\n")
    .map((l) => l.trim());
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const start = BLOCK_START.exec(line);
    if (!start) throw new Error(`Unexpected line outside a block: ${line}`);
    const [, keyword, name] = start as unknown as [string, string, string];
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== "}"; i++) if (lines[i]) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`Block ${keyword} ${name} is not closed`);

    if (keyword === "model") schema.models.push(parseModel(name, body));
    else if (keyword === "enum") schema.enums.push(parseEnum(name, body));
    else if (keyword === "view" || keyword === "type") {
      throw new Error(`${keyword} ${name}: not supported by tests/helpers/prisma-schema.ts; extend it`);
    }
    // generator and datasource blocks do not shape the database.
  }
  return schema;
}

function parseModel(name: string, body: string[]): Model {
  const model: Model = { name, fields: [], attributes: [] };
  for (const line of body) {
    if (line.startsWith("@@")) {
      model.attributes.push(...parseAttributes(line));
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) throw new Error(`model ${name}: cannot read field line: ${line}`);
    model.fields.push({
      name: m[1]!,
      type: m[2]!,
      list: Boolean(m[3]),
      optional: Boolean(m[4]),
      attributes: parseAttributes(m[5] ?? ""),
    });
  }
  return model;
}

function parseEnum(name: string, body: string[]): Enum {
  const result: Enum = { name, values: [], attributes: [] };
  for (const line of body) {
    if (line.startsWith("@@")) {
      result.attributes.push(...parseAttributes(line));
      continue;
    }
    const m = /^(\w+)(?:\s+(.*))?$/.exec(line);
    if (!m) throw new Error(`enum ${name}: cannot read value line: ${line}`);
    result.values.push({ name: m[1]!, attributes: parseAttributes(m[2] ?? "") });
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Attribute arguments.

interface Args {
  positional: string[];
  named: Map<string, string>;
}

function parseArgs(args: string | null): Args {
  const result: Args = { positional: [], named: new Map() };
  for (const part of splitTopLevel(args ?? "", ",")) {
    const named = /^(\w+)\s*:\s*([\s\S]*)$/.exec(part);
    if (named) result.named.set(named[1]!, named[2]!.trim());
    else result.positional.push(part);
  }
  return result;
}

function unquote(value: string): string {
  if (!/^"(?:[^"\\]|\\.)*"$/.test(value)) throw new Error(`Expected a string literal, got ${value}`);
  return JSON.parse(value) as string;
}

/** `[a, b(sort: Desc)]` → [{a, asc}, {b, desc}]. */
function parseFieldList(value: string): { field: string; desc: boolean }[] {
  const inner = /^\[([\s\S]*)\]$/.exec(value.trim());
  if (!inner) throw new Error(`Expected a field list, got ${value}`);
  return splitTopLevel(inner[1]!, ",").map((item) => {
    const m = /^(\w+)(?:\(([\s\S]*)\))?$/.exec(item);
    if (!m) throw new Error(`Cannot read field reference ${item}`);
    const sort = parseArgs(m[2] ?? null).named.get("sort");
    return { field: m[1]!, desc: sort === "Desc" };
  });
}

/** `@map("x")` or `@map(name: "x")`: the database name an attribute sets, if any. */
function mapArgument(attributes: Attribute[]): string | null {
  const map = attributes.find((a) => a.name === "map");
  if (!map) return null;
  const args = parseArgs(map.args);
  return unquote(args.positional[0] ?? args.named.get("name") ?? "");
}

// ---------------------------------------------------------------------------------------
// From the schema to the database Prisma Migrate would create.

/** PostgreSQL's identifier limit; Prisma trims the generated names to fit, keeping the suffix. */
const MAX_IDENTIFIER = 63;

function constraintName(table: string, columns: string[], suffix: string): string {
  const base = columns.length ? `${table}_${columns.join("_")}` : table;
  return base.slice(0, MAX_IDENTIFIER - suffix.length) + suffix;
}

/** Prisma's default column type for each scalar on PostgreSQL, as format_type() prints it. */
const SCALAR_TYPES: Record<string, string> = {
  String: "text",
  Boolean: "boolean",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric(65,30)",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
  Bytes: "bytea",
};

/**
 * `@db.*` native types → format_type(). Only those whose rendering is certain; any other
 * native type leaves the column's type unchecked (its presence and nullability still are).
 */
function nativeType(name: string, args: string[]): string | null {
  const [a, b] = args;
  switch (name) {
    case "Uuid":
      return "uuid";
    case "Text":
      return "text";
    case "VarChar":
      return a ? `character varying(${a})` : "character varying";
    case "Char":
      return a ? `character(${a})` : null;
    case "SmallInt":
      return "smallint";
    case "Integer":
      return "integer";
    case "BigInt":
      return "bigint";
    case "Boolean":
      return "boolean";
    case "Real":
      return "real";
    case "DoublePrecision":
      return "double precision";
    case "Decimal":
      return a && b ? `numeric(${a},${b})` : null;
    case "Date":
      return "date";
    case "Timestamp":
      return a ? `timestamp(${a}) without time zone` : null;
    case "Timestamptz":
      return a ? `timestamp(${a}) with time zone` : null;
    case "Json":
      return "json";
    case "JsonB":
      return "jsonb";
    case "ByteA":
      return "bytea";
    case "Inet":
      return "inet";
    default:
      return null;
  }
}

const ACTIONS = new Set<ReferentialAction>(["Cascade", "Restrict", "NoAction", "SetNull", "SetDefault"]);

function referentialAction(value: string | undefined, fallback: ReferentialAction): ReferentialAction {
  if (value === undefined) return fallback;
  if (!ACTIONS.has(value as ReferentialAction)) throw new Error(`Unknown referential action ${value}`);
  return value as ReferentialAction;
}

const BLOCK_ATTRIBUTES = new Set(["map", "id", "unique", "index"]);

export function expectedDatabase(schema: PrismaSchema): DatabaseShape {
  const models = new Map(schema.models.map((m) => [m.name, m]));
  const enumDbName = new Map(schema.enums.map((e) => [e.name, mapArgument(e.attributes) ?? e.name]));
  const tableOf = (m: Model) => mapArgument(m.attributes) ?? m.name;
  const isRelation = (f: Field) => models.has(f.type);
  const columnOf = (m: Model, fieldName: string): string => {
    const field = m.fields.find((f) => f.name === fieldName);
    if (!field || isRelation(field)) throw new Error(`model ${m.name}: no scalar field ${fieldName}`);
    return mapArgument(field.attributes) ?? field.name;
  };

  const enums = new Map<string, string[]>();
  for (const e of schema.enums) {
    for (const a of e.attributes) if (a.name !== "map") throw new Error(`enum ${e.name}: @@${a.name} not supported`);
    enums.set(
      enumDbName.get(e.name)!,
      e.values.map((v) => mapArgument(v.attributes) ?? v.name),
    );
  }

  const tables: TableShape[] = [];
  for (const model of schema.models) {
    for (const a of model.attributes) {
      if (!BLOCK_ATTRIBUTES.has(a.name)) throw new Error(`model ${model.name}: @@${a.name} not supported`);
    }
    const table = tableOf(model);
    const shape: TableShape = { name: table, columns: [], primaryKey: null, indexes: [], foreignKeys: [] };

    for (const field of model.fields) {
      if (field.attributes.some((a) => a.name === "ignore")) {
        throw new Error(`model ${model.name}: @ignore not supported`);
      }
      if (isRelation(field)) continue;
      const column = mapArgument(field.attributes) ?? field.name;
      const native = field.attributes.find((a) => a.name.startsWith("db."));
      let type: string | null;
      if (enumDbName.has(field.type)) type = `enum:${enumDbName.get(field.type)}`;
      else if (native) type = nativeType(native.name.slice(3), parseArgs(native.args).positional);
      else type = SCALAR_TYPES[field.type] ?? null;
      if (type === null && !native && !field.type.startsWith("Unsupported(")) {
        throw new Error(`model ${model.name}: unknown type ${field.type} of field ${field.name}`);
      }
      // Prisma creates scalar lists as nullable array columns.
      shape.columns.push({
        name: column,
        nullable: field.optional || field.list,
        type: type && field.list ? `${type}[]` : type,
      });

      for (const a of field.attributes) {
        const args = parseArgs(a.args);
        const map = args.named.get("map");
        if (a.name === "id") {
          shape.primaryKey = { name: map ? unquote(map) : constraintName(table, [], "_pkey"), columns: [column] };
        } else if (a.name === "unique") {
          shape.indexes.push({
            name: map ? unquote(map) : constraintName(table, [column], "_key"),
            columns: [{ name: column, desc: args.named.get("sort") === "Desc" }],
            unique: true,
            method: "btree",
          });
        }
      }
    }

    for (const a of model.attributes) {
      if (a.name === "map") continue;
      const args = parseArgs(a.args);
      const list = args.positional[0] ?? args.named.get("fields");
      if (!list) throw new Error(`model ${model.name}: @@${a.name} without fields`);
      const refs = parseFieldList(list);
      const columns = refs.map((r) => ({ name: columnOf(model, r.field), desc: r.desc }));
      const names = columns.map((c) => c.name);
      const map = args.named.get("map");
      if (a.name === "id") {
        shape.primaryKey = { name: map ? unquote(map) : constraintName(table, [], "_pkey"), columns: names };
      } else {
        const unique = a.name === "unique";
        shape.indexes.push({
          name: map ? unquote(map) : constraintName(table, names, unique ? "_key" : "_idx"),
          columns,
          unique,
          method: (args.named.get("type") ?? "BTree").toLowerCase(),
        });
      }
    }

    for (const field of model.fields) {
      if (!isRelation(field)) continue;
      const relation = field.attributes.find((a) => a.name === "relation");
      const args = parseArgs(relation?.args ?? null);
      const fields = args.named.get("fields");
      if (!fields) {
        if (field.list) rejectImplicitManyToMany(model, field, relation, models);
        continue; // the other side holds the foreign key
      }
      const target = models.get(field.type)!;
      const own = parseFieldList(fields).map((r) => r.field);
      const columns = own.map((f) => columnOf(model, f));
      const optional = own.some((f) => model.fields.find((x) => x.name === f)!.optional);
      const map = args.named.get("map");
      shape.foreignKeys.push({
        name: map ? unquote(map) : constraintName(table, columns, "_fkey"),
        columns,
        refTable: tableOf(target),
        refColumns: parseFieldList(args.named.get("references") ?? "[]").map((r) => columnOf(target, r.field)),
        // Prisma's defaults: an optional relation is set null, a required one restricted.
        onDelete: referentialAction(args.named.get("onDelete"), optional ? "SetNull" : "Restrict"),
        onUpdate: referentialAction(args.named.get("onUpdate"), "Cascade"),
      });
    }
    tables.push(shape);
  }
  return { tables, enums };
}

/** A list on both sides of a relation is an implicit join table (`_AToB`), not modelled here. */
function rejectImplicitManyToMany(
  model: Model,
  field: Field,
  relation: Attribute | undefined,
  models: Map<string, Model>,
): void {
  const relationName = (a: Attribute | undefined) => {
    const first = parseArgs(a?.args ?? null).positional[0] ?? parseArgs(a?.args ?? null).named.get("name");
    return first ? unquote(first) : null;
  };
  const name = relationName(relation);
  const other = models.get(field.type)!;
  const back = other.fields.find(
    (f) =>
      f.type === model.name &&
      f !== field &&
      relationName(f.attributes.find((a) => a.name === "relation")) === name &&
      f.list,
  );
  if (back) {
    throw new Error(
      `${model.name}.${field.name}: implicit many-to-many relations are not supported; extend the parser`,
    );
  }
}
