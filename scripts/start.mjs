// `npm start`: checks the configuration, builds the production app when there is no build (or
// the sources are newer than it), then serves it on $PORT (default 3000).
//
// The server is Next.js's own request handler inside a plain Node HTTP server, so that one
// place gives every request its id and its log line, and SIGTERM drains: the server stops
// accepting, in-flight requests and webhook sends finish, the database closes, then it exits.

import { AsyncLocalStorage } from "node:async_hooks";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import redact from "../lib/observability/redact.json" with { type: "json" };
import { buildIsFresh, buildingMarker } from "./build-state.mjs";
import { clientAddressOf, parseTrustedProxies } from "./client-address.mjs";

// A self-hosted Tapdesk sends nothing out on its own: no framework telemetry, build or run.
process.env.NEXT_TELEMETRY_DISABLED = "1";

const log = pino({
  base: undefined,
  level: process.env.TAPDESK_LOG_LEVEL || "info",
  redact: { paths: redact.paths, censor: "[redacted]" },
});
// Shared with lib/observability/log.ts (see there): one logger and one request context.
globalThis[Symbol.for("tapdesk.logger")] = log;
const context = new AsyncLocalStorage();
globalThis[Symbol.for("tapdesk.request-context")] = context;

/** Stops the start with one plain sentence and a non-zero exit. */
function fail(sentence) {
  console.error(`Tapdesk cannot start: ${sentence}`);
  process.exit(1);
}

async function checkDatabaseUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    fail("DATABASE_URL is not a valid URL; use postgres://user:password@host:5432/database.");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    fail(`DATABASE_URL must start with postgres:// or postgresql:// (it starts with ${parsed.protocol}//).`);
  }
  if (!process.env.TAPDESK_SECRET_KEY) {
    fail(
      "TAPDESK_SECRET_KEY is required with DATABASE_URL (every instance must seal secrets with the same key); generate one with `openssl rand -base64 32`.",
    );
  }
  const where = `${parsed.hostname}:${parsed.port || 5432}`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const reasons = {
      ECONNREFUSED: `nothing accepts connections at ${where}; is PostgreSQL running there?`,
      ENOTFOUND: `the host ${parsed.hostname} in DATABASE_URL does not resolve.`,
      EAI_AGAIN: `the host ${parsed.hostname} in DATABASE_URL does not resolve.`,
      "28P01": `PostgreSQL at ${where} refused the user name or password in DATABASE_URL.`,
      28000: `PostgreSQL at ${where} does not let the user in DATABASE_URL connect.`,
      "3D000": `the database ${parsed.pathname.slice(1)} does not exist on PostgreSQL at ${where}.`,
    };
    const reason =
      reasons[error.code] ??
      (/timeout/i.test(error.message)
        ? `PostgreSQL at ${where} did not answer within 5 seconds.`
        : `PostgreSQL at ${where} refused the connection (${error.message}).`);
    fail(`DATABASE_URL does not work: ${reason}`);
  } finally {
    await client.end().catch(() => {});
  }
}

function checkDataDir(dir) {
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    // Owner-only: the database inside must not be readable by other local users (lib/db/data-dir.ts).
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (error) {
    fail(
      `the data directory ${path.resolve(dir)} is not writable (${error.code ?? error.message}); fix its permissions or set TAPDESK_DATA_DIR.`,
    );
  }
}

if (process.env.DATABASE_URL) await checkDatabaseUrl(process.env.DATABASE_URL);
else checkDataDir(process.env.TAPDESK_DATA_DIR || "./data");

const distDir = process.env.TAPDESK_DIST_DIR || ".next";
// `--no-build`: serve the build that is there (the test and bench instances beside a server
// that built it), even when sources changed since.
if (!process.argv.includes("--no-build") && !buildIsFresh(distDir)) {
  console.log("Tapdesk: building the production app (first start, or sources changed)…");
  const marker = buildingMarker(distDir);
  writeFileSync(marker, String(process.pid));
  const build = spawnSync("npx", ["next", "build"], { stdio: "inherit" });
  rmSync(marker, { force: true });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const port = Number(process.env.PORT || "3000");
const { default: next } = await import("next");
const app = next({ dev: false, dir: process.cwd(), port });
const handle = app.getRequestHandler();
// Runs instrumentation.ts (database, migrations, worker); a failure there exits with its sentence.
await app.prepare();

// Installed by instrumentation.ts (lib/bootstrap.ts → lib/api/router.ts), which Next.js may run
// only when the first request arrives: looked up per request, not here.
const API_ROUTER = Symbol.for("tapdesk.api-router");

/** The path as logged: ids and long tokens (such as a bridge's inbound secret) never reach the log. */
function route(url) {
  const pathname = (url ?? "/").split("?")[0];
  return pathname
    .split("/")
    .map((segment) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment)
        ? ":id"
        : segment.length >= 24
          ? ":token"
          : segment,
    )
    .join("/");
}

let proxies;
try {
  proxies = parseTrustedProxies();
} catch (error) {
  fail(error.message);
}

/** The connection's address, or behind trusted proxies the one they report (scripts/client-address.mjs). */
function clientAddress(req) {
  return clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"], proxies);
}

const server = http.createServer((req, res) => {
  const requestId = randomUUID();
  const started = process.hrtime.bigint();
  // Whatever a client sends as x-request-id is replaced: the id is the server's own.
  req.headers["x-request-id"] = requestId;
  // Throttling counts per client address (lib/auth/throttle.ts); a client cannot choose it.
  req.headers["x-tapdesk-client-address"] = clientAddress(req);
  res.setHeader("x-request-id", requestId);
  res.once("close", () => {
    log.info({
      requestId,
      method: req.method,
      route: route(req.url),
      status: res.statusCode,
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
  context.run({ requestId }, () => {
    // The agent API and /api/health go straight to their handlers (lib/api/router.ts); the rest to Next.js.
    if (!globalThis[API_ROUTER]?.(req, res)) handle(req, res);
  });
});

server.on("error", (error) => {
  if (error.code === "EADDRINUSE") fail(`port ${port} is already in use; stop what uses it or set PORT.`);
  if (error.code === "EACCES") fail(`port ${port} needs privileges this process lacks; set PORT above 1023.`);
  fail(error.message);
});
server.listen(port, () => log.info({ port }, `Tapdesk: listening on http://localhost:${port}`));

let draining = false;
async function drain(signal) {
  if (draining) return;
  draining = true;
  log.info({ signal }, "Tapdesk: draining (in-flight requests and webhook sends finish, then exit)");
  // Long enough for a bridge call in flight (75 s) to answer and be recorded (lib/upstream/in-flight.ts).
  const limit = Number(process.env.TAPDESK_DRAIN_TIMEOUT_S || "90") * 1000;
  setTimeout(() => {
    log.warn("Tapdesk: drain timed out; exiting with requests still open");
    process.exit(1);
  }, limit).unref();
  // Long-polls waiting for a change answer now (lib/live/hub.ts) instead of holding the drain.
  globalThis[Symbol.for("tapdesk.end-waits")]?.();
  // Stop accepting; connections kept alive between requests close as soon as they are idle.
  const closed = new Promise((resolve) => server.close(resolve));
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  await closed;
  clearInterval(idle);
  await globalThis[Symbol.for("tapdesk.shutdown")]?.();
  log.info("Tapdesk: drained; bye");
  process.exit(0);
}
process.on("SIGTERM", () => drain("SIGTERM"));
process.on("SIGINT", () => drain("SIGINT"));
