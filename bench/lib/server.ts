import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";

/**
 * The production server the HTTP sections measure: `npm start`'s own script (it builds into
 * .next-bench when the sources are newer than that build), on its own port and a wiped data
 * directory, signed in the way a person does it — through the login page in Chromium.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
export const PORT = Number(process.env.BENCH_PORT || 3500);
/** Wiped at every start: never point it at data you want to keep. */
export const DATA_DIR = process.env.BENCH_DATA_DIR || path.join(os.tmpdir(), "tapdesk-bench-data");
const DIST_DIR = ".next-bench";
const LOG = path.join(ROOT, "bench/out/server.log");
// A first start builds the app: minutes on a loaded machine (BENCH_READY_TIMEOUT_S raises it).
const READY_TIMEOUT_MS = Number(process.env.BENCH_READY_TIMEOUT_S || 240) * 1000;

export interface BenchServer {
  baseUrl: string;
  /** Workspace-wide API key the server seeded (TAPDESK_BOOTSTRAP_API_KEY). */
  apiKey: string;
  /** The operator's session cookie, as a Cookie header. */
  cookie: string;
  /** Whether `npm start`'s script reused the build or made one, and how long that took. */
  build: string;
  dataDir: string;
  /** The server's process group (start.mjs, npx, next start): whose CPU time the sections read. */
  processGroup: number;
}

export interface RunningServer {
  server: BenchServer;
  stop(): Promise<void>;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status < 500;
  } catch {
    return false;
  }
}

function logTail(lines = 30): string {
  if (!existsSync(LOG)) return "";
  return readFileSync(LOG, "utf8").split("\n").slice(-lines).join("\n");
}

/** Stops the whole process group (start.mjs → npx → next start), politely first. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), sig);
    } catch {
      // Already gone.
    }
  };
  signal("SIGTERM");
  const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5_000).unref());
  if ((await Promise.race([exited, timeout])) === "timeout") {
    signal("SIGKILL");
    await exited;
  }
}

export async function signIn(baseUrl: string, email: string, password: string): Promise<string> {
  const browser = await chromium.launch({
    executablePath: existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/conversations/, { timeout: 30_000 });
    const cookies = await page.context().cookies(baseUrl);
    if (cookies.length === 0) throw new Error("signed in, but the browser holds no cookie");
    return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  } finally {
    await browser.close();
  }
}

/**
 * A server on a PostgreSQL database the caller prepared (the feedback section seeds a million
 * parts first): its URL, the sealing key it was seeded under, and the credentials it was seeded with.
 */
export interface PostgresTarget {
  databaseUrl: string;
  secretKey: string;
  email: string;
  password: string;
  apiKey: string;
}

export async function startServer(postgres?: PostgresTarget): Promise<RunningServer> {
  // Beside the shared embedded-database server, never in its port or data directory.
  const port = postgres ? PORT + 1 : PORT;
  const dataDir = postgres ? `${DATA_DIR}-pg` : DATA_DIR;
  const baseUrl = `http://127.0.0.1:${port}`;
  if (await answers(`${baseUrl}/login`)) {
    throw new Error(`something already answers on port ${port}; set BENCH_PORT to a free port`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(path.dirname(LOG), { recursive: true });
  const buildIdBefore = existsSync(path.join(ROOT, DIST_DIR, "BUILD_ID"))
    ? readFileSync(path.join(ROOT, DIST_DIR, "BUILD_ID"), "utf8")
    : null;

  const email = postgres?.email ?? "bench@tapdesk.local";
  const password = postgres?.password ?? randomBytes(12).toString("base64url");
  const apiKey = postgres?.apiKey ?? `td_${randomBytes(32).toString("base64url")}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    TAPDESK_DATA_DIR: dataDir,
    TAPDESK_DIST_DIR: DIST_DIR,
    TAPDESK_ADMIN_EMAIL: email,
    TAPDESK_ADMIN_PASSWORD: password,
    TAPDESK_BOOTSTRAP_API_KEY: apiKey,
    // The webhook section's receiver listens on 127.0.0.1, which the SSRF guard refuses otherwise.
    TAPDESK_WEBHOOKS_ALLOW_PRIVATE: "1",
  };
  // The figures are for the embedded default, whatever the caller's shell has configured.
  delete env.DATABASE_URL;
  if (postgres) {
    env.DATABASE_URL = postgres.databaseUrl;
    env.TAPDESK_SECRET_KEY = postgres.secretKey;
  }
  const log = openSync(LOG, "w");
  const started = Date.now();
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", log, log],
  });
  const running: RunningServer = {
    server: { baseUrl, apiKey, cookie: "", build: "", dataDir, processGroup: child.pid ?? 0 },
    stop: () => stopGroup(child),
  };
  try {
    let exited = false;
    child.once("exit", () => {
      exited = true;
    });
    while (!(await answers(`${baseUrl}/login`))) {
      if (exited) throw new Error(`the server exited before answering; log (${LOG}):\n${logTail()}`);
      if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`the server did not answer in time:\n${logTail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const buildIdAfter = readFileSync(path.join(ROOT, DIST_DIR, "BUILD_ID"), "utf8");
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    running.server.build =
      buildIdBefore === buildIdAfter
        ? `${DIST_DIR} reused`
        : `${DIST_DIR} rebuilt (sources newer), ready after ${seconds} s`;
    running.server.cookie = await signIn(baseUrl, email, password);
    return running;
  } catch (error) {
    await running.stop();
    throw error;
  }
}
