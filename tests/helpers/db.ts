import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type Database, openDatabase } from "@/lib/db/client";

/** The PostgreSQL server the suites also run on (docs/operations.md, Testing); CI must have it. */
export const PG_URL = process.env.TAPDESK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export type Backend = "pglite" | "postgres";
export const BACKENDS: Backend[] = ["pglite", "postgres"];

export interface TestDatabase extends Database {
  /** PostgreSQL: this database's connection URL, for a second pool or another process on it. */
  url?: string;
  dispose(): Promise<void>;
}

let template: Promise<Blob> | undefined;

/**
 * A migrated, empty PGlite cluster as a dump, made once per run of the suite and kept in the
 * temp directory under the hash of the migrations and their runner: every worker and file copies it instead of creating
 * and migrating a cluster of its own.
 */
function pgliteTemplate(): Promise<Blob> {
  template ??= (async () => {
    const hash = createHash("sha256").update(readFileSync(path.join(import.meta.dirname, "../../lib/db/migrate.ts")));
    const dir = path.join(import.meta.dirname, "../../prisma/migrations");
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name, "migration.sql");
      if (existsSync(file)) hash.update(name).update(readFileSync(file));
    }
    const file = path.join(os.tmpdir(), `tapdesk-test-pglite-${hash.digest("hex").slice(0, 16)}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const db = await openDatabase();
    const dump = await db.pglite!.dumpDataDir("none");
    await db.close();
    // Another worker may write it at the same moment: each writes its own file and renames it.
    const own = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(own, Buffer.from(await dump.arrayBuffer()));
    renameSync(own, file);
    return dump;
  })();
  return template;
}

/** A fresh, migrated database: in-memory PGlite, or a new database on the PostgreSQL server. */
export async function freshDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") {
    const db = await openDatabase({ from: await pgliteTemplate() });
    return { ...db, dispose: db.close };
  }
  const name = `tapdesk_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const address = new URL(PG_URL);
  address.pathname = `/${name}`;
  const url = address.toString();
  const db = await openDatabase({ url });
  return {
    ...db,
    url,
    dispose: async () => {
      await db.close();
      const dropper = new pg.Client({ connectionString: PG_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
