import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { type Prisma, PrismaClient } from "../generated/prisma/client";
import { type LiveHub, type LiveSource, listenPGlite, listenPostgres } from "../live/hub";
import { logger } from "../observability/log";
import { ensurePrivateDir, tightenDataDir } from "./data-dir";
import { migrate, type SqlRunner } from "./migrate";
import { withPreparedStatements } from "./pglite-prepared";

export type Db = PrismaClient;
/** The client a transaction callback receives: Prisma's own type for it. */
export type Tx = Prisma.TransactionClient;

export interface Database {
  kind: "pglite" | "postgres";
  prisma: PrismaClient;
  /** Raw driver access: migrations, benchmarks beside Prisma, tests. */
  sql: SqlRunner;
  /** The driver under Prisma (the PGlite instance, or the pg pool): the bench times the same write on it directly. */
  pglite?: PGlite;
  pool?: pg.Pool;
  /** Change notices for long-polls; starts listening on first use. */
  live(): Promise<LiveHub>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… selects PostgreSQL; otherwise PGlite. */
  url?: string;
  /** PGlite data directory; omitted: in memory. */
  dataDir?: string;
  /**
   * An in-memory PGlite starts as a copy of this dump (PGlite's `dumpDataDir`) instead of an
   * empty cluster: the test suites copy one migrated database rather than create and migrate
   * each (about 0.3 s of CPU instead of 1.6 s). Migrations still run for what the dump lacks.
   */
  from?: Blob;
}

function pgliteRunner(db: PGlite): SqlRunner {
  return {
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
  };
}

function pgRunner(client: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params as unknown[])).rows as T[],
  };
}

/** Opens the notice listener on first use and closes it with the database. */
function lazyLive(open: () => Promise<LiveSource>) {
  let source: Promise<LiveSource> | null = null;
  return {
    live: async () => {
      source ??= open();
      source.catch(() => {
        source = null;
      });
      return (await source).hub;
    },
    closeLive: async () => {
      const s = source;
      source = null;
      await s?.then((x) => x.close()).catch(() => {});
    },
  };
}

/**
 * A statement that must not queue behind the app's pool: a lease renewal (issue 16, finding 7).
 * When every pooled connection is busy, a renewal waiting for one would let the lease lapse
 * while its holder's upstream call is still in flight, and another instance would take the
 * slot. On PostgreSQL such statements run on a small pool of their own that gives up after a
 * bounded wait instead; PGlite has one connection and nothing to queue behind but itself.
 */
export type SideStatement = (sql: string, params: unknown[]) => Promise<number>;
const SIDE = new WeakMap<object, SideStatement>();
/** How long a side statement waits for its own connection before it fails (and is retried). */
export const SIDE_ACQUIRE_MS = 2_000;

/** The side runner of this client's database, if it has one (PostgreSQL). */
export function sideStatement(prisma: object): SideStatement | undefined {
  return SIDE.get(prisma);
}

/**
 * Opens the text of a statement that every send runs (the tapback's lookup, lease and
 * recording): it is prepared once per connection (on PGlite, once: lib/db/pglite-prepared.ts),
 * by name, so the database parses and analyzes it once instead of at every send, and the
 * driver sends no Parse message. Only
 * marked statements are: every name stays prepared on its connection for the connection's life,
 * and the ORM's statements vary in shape. (A pooler in transaction mode must keep
 * protocol-level prepared statements: PgBouncer's max_prepared_statements.)
 */
export const PREPARED = "/* prepared */";
const preparedNames = new Map<string, string>();

/** The statement's name when it is marked PREPARED, one per distinct text; "" (unnamed) otherwise. */
function preparedName(query: { sql: string }): string {
  if (!query.sql.startsWith(PREPARED)) return "";
  let name = preparedNames.get(query.sql);
  if (name === undefined) {
    name = `tapdesk_${preparedNames.size + 1}`;
    preparedNames.set(query.sql, name);
  }
  return name;
}

// Any fixed number serves: it only has to be the same in every instance of the app.
const MIGRATION_LOCK = 7_042_026;

/** Opens a database, applies pending migrations, and returns it. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.url && /^postgres(ql)?:\/\//.test(options.url)) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    // An idle connection dropped by the server (restart, failover) must not crash the app;
    // the pool replaces it on next use.
    // Its code and sentence only: the error carries the whole driver client (pg-pool sets
    // `error.client`), kilobytes of connection state per line.
    pool.on("error", (error) =>
      logger().warn(
        { err: { message: error.message, code: (error as { code?: string }).code } },
        "PostgreSQL idle connection error",
      ),
    );
    // Several app instances may start at once: one migrates, the others wait for it.
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await migrate(pgRunner(client));
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator: preparedName }) });
    const side = new pg.Pool({
      connectionString: options.url,
      max: 2,
      connectionTimeoutMillis: SIDE_ACQUIRE_MS,
      // Every statement is short: one that hangs (a half-open connection) fails and is retried.
      query_timeout: SIDE_ACQUIRE_MS,
    });
    side.on("error", (error) => logger().warn({ err: error }, "PostgreSQL side connection error"));
    SIDE.set(prisma, async (sql, params) => (await side.query(sql, params)).rowCount ?? 0);
    const { live, closeLive } = lazyLive(() => listenPostgres(options.url as string));
    return {
      kind: "postgres",
      prisma,
      sql: pgRunner(pool),
      pool,
      live,
      close: async () => {
        await closeLive();
        await prisma.$disconnect();
        await side.end();
        await pool.end();
      },
    };
  }
  if (options.dataDir) ensurePrivateDir(options.dataDir);
  const lite = options.from ? await PGlite.create({ loadDataDir: options.from }) : await PGlite.create(options.dataDir);
  const sql = pgliteRunner(lite);
  await migrate(sql);
  if (options.dataDir) tightenDataDir(options.dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(withPreparedStatements(lite, PREPARED)) });
  const { live, closeLive } = lazyLive(() => listenPGlite(lite));
  return {
    kind: "pglite",
    prisma,
    sql,
    pglite: lite,
    live,
    close: async () => {
      await closeLive();
      await prisma.$disconnect();
      await lite.close();
      // Files PostgreSQL created while running (new relations, WAL segments) come out 0644.
      if (options.dataDir) tightenDataDir(options.dataDir);
    },
  };
}

export function dataDir(): string {
  return process.env.TAPDESK_DATA_DIR || "./data";
}

// One database per process, opened on first use (never at import: `next build` imports
// route modules in worker processes). Kept on globalThis because Next.js bundles this
// module into several chunks, and PGlite must never open ./data twice.
const KEY = Symbol.for("tapdesk.database");
type Holder = { [KEY]?: Promise<Database> };

export function getDatabase(): Promise<Database> {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const url = process.env.DATABASE_URL;
    const opened = openDatabase(url ? { url } : { dataDir: dataDir() });
    holder[KEY] = opened;
    opened.catch(() => {
      if (holder[KEY] === opened) delete holder[KEY];
    });
  }
  return holder[KEY];
}

/** The process's database if it was opened (or installed) already; never opens one. */
export function openedDatabase(): Promise<Database> | undefined {
  return (globalThis as Holder)[KEY];
}

/** Makes `database` the process's database (tests and tools that run route handlers in-process). */
export function useDatabase(database: Database): void {
  (globalThis as Holder)[KEY] = Promise.resolve(database);
}

export async function db(): Promise<PrismaClient> {
  return (await getDatabase()).prisma;
}
