// Playwright's web servers: the production app on a fresh database.
//
// `node scripts/e2e-server.mjs` runs the same path as `npm start` (scripts/start.mjs: build
// when the build is missing or older than the sources, then `next start`), but in its own
// build directory and on a data directory that is wiped first, so every run starts from
// exactly the demo seed with the credentials playwright.config.ts fixes.
//
// `node scripts/e2e-server.mjs --postgres` serves the same build on a PostgreSQL database
// (TAPDESK_E2E_PG_URL, dropped and created afresh), so the suite also runs on PostgreSQL. It
// never builds: it waits until the first server's build is done, so start.mjs finds it fresh.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { buildIsFresh, buildingMarker } from "./build-state.mjs";

const distDir = process.env.TAPDESK_DIST_DIR || ".next-e2e";
const env = { ...process.env, TAPDESK_DIST_DIR: distDir };
let cleanup = async () => {};

if (process.argv.includes("--postgres")) {
  const url = new URL(process.env.TAPDESK_E2E_PG_URL || "");
  const name = url.pathname.slice(1);
  // The database is dropped: only names made for this suite.
  if (!/^tapdesk_e2e_\w+$/.test(name)) {
    console.error(`e2e server: TAPDESK_E2E_PG_URL must name a tapdesk_e2e_… database; got "${name}".`);
    process.exit(1);
  }
  const admin = async (sql) => {
    const server = new URL(url);
    server.pathname = "/postgres";
    const client = new pg.Client({ connectionString: server.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  cleanup = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
  env.DATABASE_URL = url.toString();
  env.TAPDESK_SECRET_KEY ||= randomBytes(32).toString("base64");
  delete env.TAPDESK_DATA_DIR;
  const until = Date.now() + 600_000;
  while (!buildIsFresh(distDir) || existsSync(buildingMarker(distDir))) {
    if (Date.now() > until) {
      console.error("e2e server: the build did not appear within 10 minutes.");
      await cleanup();
      process.exit(1);
    }
    await sleep(500);
  }
} else {
  const tmp = path.resolve(os.tmpdir());
  const dataDir = path.resolve(process.env.TAPDESK_DATA_DIR || path.join(tmp, "tapdesk-e2e-data"));
  // The directory is deleted: refuse anything outside the temp directory (such as ./data).
  if (!dataDir.startsWith(tmp + path.sep)) {
    console.error(`e2e server: TAPDESK_DATA_DIR must be under ${tmp} because it is wiped; got ${dataDir}.`);
    process.exit(1);
  }
  rmSync(dataDir, { recursive: true, force: true });
  env.TAPDESK_DATA_DIR = dataDir;
  // This server is the embedded database's: a DATABASE_URL left in the shell must not point it
  // at a shared PostgreSQL server.
  delete env.DATABASE_URL;
}

const child = spawn(process.execPath, ["scripts/start.mjs"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", async (code, signal) => {
  await cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
