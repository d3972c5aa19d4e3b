import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { API_KEY, DIST_DIR, OPERATOR, PORT } from "./settings";

/**
 * Several production instances of the app on one fresh PostgreSQL database, served from the
 * build the browser suite's web server has already made (no second `next build`). Each is
 * `npm start`'s own script (scripts/start.mjs: the server production runs, with its request
 * ids, its logs and the agent API's own router) on its own port; the database is dropped when
 * they stop.
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const START = path.join(ROOT, "scripts/start.mjs");
const PG_URL = process.env.TAPDESK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface Instance {
  baseUrl: string;
  pid: number;
  /** Everything it printed, for failure messages. */
  output(): string;
}

export interface Cluster {
  instances: Instance[];
  /** The shared database, for checks the HTTP API does not expose (the audit table's raw rows). */
  db: pg.Client;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function startInstance(port: number, env: NodeJS.ProcessEnv): { instance: Instance; child: ChildProcess } {
  // The build the caller's server made: never a second `next build` from here.
  const child = spawn(process.execPath, [START, "--no-build"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  return { instance: { baseUrl: `http://127.0.0.1:${port}`, pid: child.pid ?? 0, output: () => log }, child };
}

async function ready(instance: Instance, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await answers(`${instance.baseUrl}/api/health`))) {
    if (child.exitCode !== null) throw new Error(`instance exited:\n${instance.output()}`);
    if (Date.now() > until) throw new Error(`instance did not become healthy:\n${instance.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export interface ClusterOptions {
  /** The build to serve; default the browser suite's. */
  distDir?: string;
  /** Instances listen on basePort + 1, + 2, …; default the browser suite's port. */
  basePort?: number;
  env?: Record<string, string>;
}

/**
 * Starts `count` instances on the ports after `basePort`. The first one migrates and seeds the
 * workspace (same operator and API key as the browser suite), then the others start.
 */
export async function startCluster(count: number, options: ClusterOptions = {}): Promise<Cluster> {
  const basePort = options.basePort ?? PORT;
  const name = `tapdesk_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url.toString(),
    TAPDESK_DIST_DIR: options.distDir ?? DIST_DIR,
    TAPDESK_SECRET_KEY: randomBytes(32).toString("base64"),
    TAPDESK_ADMIN_EMAIL: OPERATOR.email,
    TAPDESK_ADMIN_PASSWORD: OPERATOR.password,
    TAPDESK_BOOTSTRAP_API_KEY: API_KEY,
    TAPDESK_WEBHOOKS_ALLOW_PRIVATE: "1",
    ...options.env,
  };
  delete env.TAPDESK_DATA_DIR;
  const children: ChildProcess[] = [];
  const instances: Instance[] = [];
  const db = new pg.Client({ connectionString: url.toString() });
  const stop = async () => {
    await Promise.all(children.map(stopChild));
    await db.end().catch(() => {});
    const dropper = new pg.Client({ connectionString: PG_URL });
    await dropper.connect();
    await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await dropper.end();
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = basePort + 1 + i;
      const { instance, child } = startInstance(port, { ...env, PORT: String(port) });
      children.push(child);
      instances.push(instance);
      // One at a time: the first creates the schema and the demo workspace.
      await ready(instance, child);
    }
    await db.connect();
    return { instances, db, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
