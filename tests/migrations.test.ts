import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrate, readMigrations } from "@/lib/db/migrate";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";
import { diffShapes, introspect } from "./helpers/db-schema";
import { type DatabaseShape, expectedDatabase, parsePrismaSchema } from "./helpers/prisma-schema";

/**
 * Without Prisma's schema engine nothing else notices when schema.prisma and the migrations
 * disagree, so this test fails when they do (docs/decisions.md, the project's own migrator). The
 * schema is read from disk on every run, so models and migrations added later are covered
 * without touching this file.
 */
const SCHEMA_TEXT = readFileSync(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");

const compare = (schemaText: string, actual: DatabaseShape) =>
  diffShapes(expectedDatabase(parsePrismaSchema(schemaText)), actual);

// ---------------------------------------------------------------------------------------
// Deliberate disagreements: each edits a copy of the schema text and names the exact
// differences the comparison must report against the real, migrated database.

type Edit = (schemaText: string) => string;

/** Edits the body of one block; throws when the block is gone or the edit changed nothing. */
function inBlock(kind: "model" | "enum", name: string, edit: (body: string) => string): Edit {
  return (text) => {
    const block = new RegExp(`^(${kind} ${name} \\{\\n)([\\s\\S]*?)(^\\})`, "m");
    const match = block.exec(text);
    if (!match) throw new Error(`schema.prisma has no ${kind} ${name}; update this mutation`);
    const body = edit(match[2]!);
    if (body === match[2]) throw new Error(`mutation of ${kind} ${name} changed nothing; update it`);
    return text.replace(block, (_all, head: string, _body: string, tail: string) => head + body + tail);
  };
}
const addLine = (line: string) => (body: string) => `${body}  ${line}\n`;
const replace = (pattern: RegExp, replacement: string) => (body: string) => body.replace(pattern, replacement);
const append =
  (block: string): Edit =>
  (text) =>
    `${text}\n${block}\n`;

const MUTATIONS: [string, Edit, (string | ReturnType<typeof expect.stringMatching>)[]][] = [
  [
    "has a field the migrations lack",
    inBlock("model", "Agent", addLine("nickname String?")),
    ["agent: column nickname is missing"],
  ],
  [
    "has a mapped field the migrations lack",
    inBlock("model", "Operator", addLine('lastSeenAt DateTime? @map("last_seen_at")')),
    ["operator: column last_seen_at is missing"],
  ],
  [
    "lacks a column the migrations create",
    inBlock("model", "Agent", replace(/^\s*name\s+String\n/m, "")),
    ["agent: column name is not in schema.prisma"],
  ],
  [
    "makes a required field optional",
    inBlock("model", "Agent", replace(/^( *handle +String)$/m, "$1?")),
    ["agent: column handle is NOT NULL, schema.prisma says optional"],
  ],
  [
    "changes a field's type",
    inBlock("model", "Conversation", replace(/^(\s*version\s+)Int /m, "$1BigInt ")),
    ["conversation: column version has type integer, expected bigint"],
  ],
  [
    "adds an index",
    inBlock("model", "Agent", addLine("@@index([name])")),
    ["agent: index agent_name_idx btree (name) is missing"],
  ],
  [
    "adds a unique constraint",
    inBlock("model", "Agent", addLine("@@unique([workspaceId, name])")),
    ["agent: index agent_workspace_id_name_key unique btree (workspace_id, name) is missing"],
  ],
  [
    "drops a field's @unique",
    inBlock("model", "Operator", replace(/^(\s*email\s+String\s+)@unique/m, "$1")),
    ["operator: index operator_email_key unique btree (email) is not in schema.prisma"],
  ],
  [
    "orders an index's columns differently (same name)",
    inBlock(
      "model",
      "Message",
      replace(
        /@@index\(\[conversationId, createdAt, id\]\)/,
        '@@index([createdAt, conversationId, id], map: "message_conversation_id_created_at_id_idx")',
      ),
    ),
    [
      "message: index message_conversation_id_created_at_id_idx is btree (conversation_id, created_at, id), expected btree (created_at, conversation_id, id)",
    ],
  ],
  [
    "sorts an index column the other way",
    inBlock("model", "Conversation", replace(/lastActivityAt\(sort: Desc\)/, "lastActivityAt")),
    [
      "conversation: index conversation_workspace_id_last_activity_at_id_idx is btree (workspace_id, last_activity_at DESC, id), expected btree (workspace_id, last_activity_at, id)",
    ],
  ],
  [
    "names an index differently",
    inBlock("model", "Operator", replace(/@@index\(\[workspaceId\]\)/, '@@index([workspaceId], map: "operator_ws")')),
    ["operator: index btree (workspace_id) is named operator_workspace_id_idx, expected operator_ws"],
  ],
  [
    "changes a primary key",
    inBlock(
      "model",
      "ConversationRead",
      replace(/@@id\(\[operatorId, conversationId\]\)/, "@@id([conversationId, operatorId])"),
    ),
    [
      "conversation_read: primary key is conversation_read_pkey (operator_id, conversation_id), expected conversation_read_pkey (conversation_id, operator_id)",
    ],
  ],
  [
    "changes a relation's onDelete",
    inBlock("model", "ApiKey", replace(/(agentId\], references: \[id\], onDelete: )Cascade/, "$1SetNull")),
    [
      "api_key: foreign key api_key_agent_id_fkey is (agent_id) → agent(id) ON DELETE Cascade ON UPDATE Cascade, expected (agent_id) → agent(id) ON DELETE SetNull ON UPDATE Cascade",
    ],
  ],
  [
    "adds an enum value",
    inBlock("enum", "ReactionKind", addLine("wow")),
    [
      expect.stringMatching(
        /^enum ReactionKind has values \[love, .*sticker\], schema.prisma has \[love, .*sticker, wow\]$/,
      ),
    ],
  ],
  ["adds an enum", append("enum Mood {\n  happy\n  sad\n}"), ["enum Mood is missing"]],
  ["adds a model", append('model Extra {\n  id String @id\n\n  @@map("extra")\n}'), ["table extra is missing"]],
];

describe.each(BACKENDS)("migrations on %s", (backend) => {
  let t: TestDatabase;
  let actual: DatabaseShape;

  beforeAll(async () => {
    t = await freshDatabase(backend); // an empty database, migrated
    actual = await introspect(t.sql);
  });
  afterAll(() => t?.dispose());

  it("build exactly the database schema.prisma describes", () => {
    expect(compare(SCHEMA_TEXT, actual)).toEqual([]);
  });

  it("checked every model and enum of schema.prisma", () => {
    // Guards the reader against silently skipping blocks it failed to recognise.
    const expected = expectedDatabase(parsePrismaSchema(SCHEMA_TEXT));
    expect(expected.tables).toHaveLength(SCHEMA_TEXT.match(/^model\s+\w+\s*\{/gm)?.length ?? 0);
    expect(expected.enums.size).toBe(SCHEMA_TEXT.match(/^enum\s+\w+\s*\{/gm)?.length ?? 0);
    expect(expected.tables.length).toBeGreaterThan(0);
    for (const table of expected.tables) expect(table.columns.length, table.name).toBeGreaterThan(0);
  });

  it("record one finished row per migration directory, with Prisma's checksum", async () => {
    const migrations = await readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    const rows = await t.sql.query<{
      migration_name: string;
      checksum: string;
      finished: boolean;
      rolled_back: boolean;
      applied_steps_count: number;
    }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished,
              rolled_back_at IS NOT NULL AS rolled_back, applied_steps_count
         FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows).toEqual(
      migrations.map((m) => ({
        migration_name: m.name,
        // Recomputed here rather than trusting readMigrations: Prisma stores the sha256 of the file.
        checksum: createHash("sha256")
          .update(readFileSync(path.join(MIGRATIONS_DIR, m.name, "migration.sql")))
          .digest("hex"),
        finished: true,
        rolled_back: false,
        applied_steps_count: 1,
      })),
    );
  });

  it("apply nothing when run a second time", async () => {
    const before = await t.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(await migrate(t.sql)).toEqual([]);
    const after = await t.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(after).toEqual(before);
    expect(compare(SCHEMA_TEXT, await introspect(t.sql))).toEqual([]);
  });

  it.each(MUTATIONS)("report a schema that %s", (_, edit, differences) => {
    expect(compare(edit(SCHEMA_TEXT), actual)).toEqual(differences);
  });
});

describe("a database the migrations built differently", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase("pglite");
  });
  afterAll(() => t?.dispose());

  it("is reported against the real schema, object by object", async () => {
    // What a hand-written migration could get wrong, applied after the real ones.
    await t.sql.exec(`
      DROP INDEX "agent_workspace_id_handle_key";
      ALTER TABLE "agent" ALTER COLUMN "name" DROP NOT NULL;
      ALTER TABLE "reaction" DROP CONSTRAINT "reaction_slot_id_fkey";
      CREATE INDEX "stray_idx" ON "message" ("sender");
      CREATE TABLE "stray" ("id" INTEGER PRIMARY KEY);
      ALTER TYPE "Direction" ADD VALUE 'sideways';`);
    expect(compare(SCHEMA_TEXT, await introspect(t.sql))).toEqual([
      "enum Direction has values [inbound, outbound, sideways], schema.prisma has [inbound, outbound]",
      "agent: column name is nullable, schema.prisma says required",
      "agent: index agent_workspace_id_handle_key unique btree (workspace_id, handle) is missing",
      "message: index stray_idx btree (sender) is not in schema.prisma",
      "reaction: foreign key reaction_slot_id_fkey (slot_id) → reaction_slot(id) ON DELETE Cascade ON UPDATE Cascade is missing",
      "table stray is not in schema.prisma",
    ]);
  });
});

describe("the schema.prisma reader", () => {
  const SAMPLE = `
// A comment, and a string that looks like one: "// not a comment".
generator client {
  provider = "prisma-client"
}

datasource db {
  provider = "postgresql"
}

enum Colour {
  red
  darkBlue @map("dark_blue") /// doc comment
  @@map("colour")
}

model Account {
  id      Int      @id @default(autoincrement())
  url     String   @default("https://example.com/a//b")
  tags    String[]
  colour  Colour?  @map("colour_choice")
  shape   Unsupported("circle")?
  code    String   @db.VarChar(12) @unique(map: "account_code_unique")
  amount  Decimal  @db.Decimal(10, 2)
  owner   User     @relation(fields: [ownerId], references: [uid])
  ownerId String   @map("owner_id") @db.Uuid
  buddy   User?    @relation("buddy", fields: [buddyId], references: [uid], onDelete: Cascade, map: "buddy_fk")
  buddyId String?  @map("buddy_id") @db.Uuid

  @@unique([ownerId, code])
  @@index([url(sort: Desc), id], type: Hash)
  @@map("accounts")
}

model User {
  uid      String    @db.Uuid
  org      String
  accounts Account[]
  buddies  Account[] @relation("buddy")

  @@id([org, uid], map: "user_key")
}

model AVeryLongModelNameThatKeepsGoing {
  id                                 Int @id
  anotherRatherLongColumnNameForTest Int

  @@index([anotherRatherLongColumnNameForTest, id])
}
`;

  it("derives tables, columns, keys, indexes, foreign keys and enums as Prisma Migrate would", () => {
    const shape = expectedDatabase(parsePrismaSchema(SAMPLE));
    expect(shape.enums).toEqual(new Map([["colour", ["red", "dark_blue"]]]));
    const [accounts, user, long] = shape.tables;
    expect(accounts).toEqual({
      name: "accounts",
      columns: [
        { name: "id", nullable: false, type: "integer" },
        { name: "url", nullable: false, type: "text" },
        { name: "tags", nullable: true, type: "text[]" },
        { name: "colour_choice", nullable: true, type: "enum:colour" },
        { name: "shape", nullable: true, type: null },
        { name: "code", nullable: false, type: "character varying(12)" },
        { name: "amount", nullable: false, type: "numeric(10,2)" },
        { name: "owner_id", nullable: false, type: "uuid" },
        { name: "buddy_id", nullable: true, type: "uuid" },
      ],
      primaryKey: { name: "accounts_pkey", columns: ["id"] },
      indexes: [
        { name: "account_code_unique", columns: [{ name: "code", desc: false }], unique: true, method: "btree" },
        {
          name: "accounts_owner_id_code_key",
          columns: [
            { name: "owner_id", desc: false },
            { name: "code", desc: false },
          ],
          unique: true,
          method: "btree",
        },
        {
          name: "accounts_url_id_idx",
          columns: [
            { name: "url", desc: true },
            { name: "id", desc: false },
          ],
          unique: false,
          method: "hash",
        },
      ],
      foreignKeys: [
        {
          name: "accounts_owner_id_fkey",
          columns: ["owner_id"],
          refTable: "User",
          refColumns: ["uid"],
          onDelete: "Restrict",
          onUpdate: "Cascade",
        },
        {
          name: "buddy_fk",
          columns: ["buddy_id"],
          refTable: "User",
          refColumns: ["uid"],
          onDelete: "Cascade",
          onUpdate: "Cascade",
        },
      ],
    });
    expect(user?.primaryKey).toEqual({ name: "user_key", columns: ["org", "uid"] });
    expect(user?.columns.map((c) => c.name)).toEqual(["uid", "org"]);
    // Prisma trims generated names to PostgreSQL's 63 bytes, keeping the suffix.
    expect(long?.indexes[0]?.name).toBe("AVeryLongModelNameThatKeepsGoing_anotherRatherLongColumnNam_idx");
    expect(long?.indexes[0]?.name).toHaveLength(63);
  });

  it("defaults an optional relation's onDelete to SetNull", () => {
    const shape = expectedDatabase(
      parsePrismaSchema(`
model A {
  id  Int  @id
  bId Int?
  b   B?   @relation(fields: [bId], references: [id])
}
model B {
  id Int @id
  as A[]
}`),
    );
    expect(shape.tables[0]?.foreignKeys[0]).toMatchObject({ onDelete: "SetNull", onUpdate: "Cascade" });
  });

  it("refuses what it cannot check rather than checking less", () => {
    const m2m = `
model A {
  id Int @id
  bs B[]
}
model B {
  id Int @id
  as A[]
}`;
    expect(() => expectedDatabase(parsePrismaSchema(m2m))).toThrow(/implicit many-to-many/);
    expect(() => expectedDatabase(parsePrismaSchema("model A {\n  id Int @id\n  @@ignore\n}"))).toThrow(/@@ignore/);
    expect(() => parsePrismaSchema("view V {\n  id Int\n}")).toThrow(/not supported/);
    expect(() => parsePrismaSchema("model A {\n  id Int @id\n")).toThrow(/not closed/);
    expect(() => expectedDatabase(parsePrismaSchema("model A {\n  id Intt @id\n}"))).toThrow(/unknown type/);
  });
});
