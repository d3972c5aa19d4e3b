import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";
import {
  API_KEY,
  BASE_URL,
  DATA_DIR,
  DIST_DIR,
  OPERATOR,
  PG_BASE_URL,
  PG_DATABASE_URL,
  PG_PORT,
  PG_SECRET_KEY,
  PORT,
} from "./e2e/settings";

// Playwright cannot download its browsers on these machines: use Debian's Chromium when it is
// installed (as root on a closed network, hence the flags), else Playwright's own browser.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const launchOptions = existsSync(SYSTEM_CHROMIUM)
  ? {
      executablePath: SYSTEM_CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    }
  : {};

// The upstream's fault mode is workspace-wide, so the spec that switches it to "fail" runs in
// its own project, after every other test has finished, one test at a time (also when
// repeated with --repeat-each).
const UPSTREAM_FAULTS = /upstream-faults\.spec\.ts/;
// Two more production instances on a PostgreSQL database of their own: no state shared with
// the embedded-database server, so this project runs beside the others.
const TWO_INSTANCES = /two-instances\.spec\.ts/;
// The README's picture is taken from the demo workspace before any other test adds its own
// conversations to the inbox: a project of its own that the dashboard project waits for.
const README_SCREENSHOT = /readme-screenshot\.spec\.ts/;
// What the browser can see differ between the databases: live updates (LISTEN/NOTIFY across
// connections on PostgreSQL, in-process on PGlite), presence and take over (the console),
// `npm run workspace` straight on the database, the bridge's lease and reconciliation, the
// agent's MCP session, the sign-out that revokes a session row, and the core tapback loop. Pages
// that only lay out what the API returns (accessibility, security headers, layout, the picker's
// placement, the phone, the reference) are the same on both and run once, on the embedded one;
// the Vitest suites run every rule and every write path on both databases.
const ON_POSTGRES = [
  /live-updates\.spec\.ts/,
  /console\.spec\.ts/,
  /workspaces\.spec\.ts/,
  /bluebubbles-bridge\.spec\.ts/,
  /mcp\.spec\.ts/,
  /sessions\.spec\.ts/,
  /tapback-picker\.spec\.ts/,
  /reply\.spec\.ts/,
];

const SERVER_ENV = {
  TAPDESK_DIST_DIR: DIST_DIR,
  TAPDESK_ADMIN_EMAIL: OPERATOR.email,
  TAPDESK_ADMIN_PASSWORD: OPERATOR.password,
  TAPDESK_BOOTSTRAP_API_KEY: API_KEY,
  // The workspace spec's webhook receivers and the bridge spec's fake BlueBubbles server
  // listen on loopback (and the fake posts back to the server's TAPDESK_PUBLIC_URL).
  TAPDESK_ALLOW_PRIVATE_URLS: "1",
  // One log line per request would bury the test output.
  TAPDESK_LOG_LEVEL: "warn",
};

export default defineConfig({
  testDir: "e2e",
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Servers shared by every worker; each test works on its own fresh conversation. Four workers
  // on two cores: a browser test mostly waits (on pages, polls and the servers), and with two
  // workers the suite used about half of the machine.
  workers: 4,
  timeout: 60_000,
  reporter: [["list"]],
  use: {
    baseURL: BASE_URL,
    browserName: "chromium",
    launchOptions,
    colorScheme: "light",
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  // The dashboard suite runs twice, on the embedded database and on PostgreSQL: two servers
  // that share nothing but the build, so their projects run side by side. `metadata` tells a
  // spec how `npm run workspace` reaches each server's database.
  projects: [
    { name: "readme-screenshot", testMatch: README_SCREENSHOT },
    {
      name: "dashboard",
      testIgnore: [UPSTREAM_FAULTS, TWO_INSTANCES, README_SCREENSHOT],
      dependencies: ["readme-screenshot"],
      metadata: { workspaceCommandEnv: { TAPDESK_DATA_DIR: DATA_DIR } },
    },
    {
      name: "dashboard-postgres",
      testMatch: ON_POSTGRES,
      use: { baseURL: PG_BASE_URL },
      metadata: { workspaceCommandEnv: { DATABASE_URL: PG_DATABASE_URL, TAPDESK_SECRET_KEY: PG_SECRET_KEY } },
    },
    { name: "two-instances", testMatch: TWO_INSTANCES },
    { name: "upstream-faults", testMatch: UPSTREAM_FAULTS, dependencies: ["dashboard"], workers: 1 },
    {
      name: "upstream-faults-postgres",
      testMatch: UPSTREAM_FAULTS,
      dependencies: ["dashboard-postgres"],
      workers: 1,
      use: { baseURL: PG_BASE_URL },
    },
  ],
  webServer: [
    {
      // Builds the production app (first run, or sources changed) and serves it on a wiped
      // embedded database: see scripts/e2e-server.mjs.
      command: "node scripts/e2e-server.mjs",
      url: `${BASE_URL}/login`,
      // A cold `next build` takes about a minute on two cores.
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...SERVER_ENV, PORT: String(PORT), TAPDESK_DATA_DIR: DATA_DIR, TAPDESK_PUBLIC_URL: BASE_URL },
    },
    {
      // The same build on a fresh PostgreSQL database, once the first server has built it.
      command: "node scripts/e2e-server.mjs --postgres",
      url: `${PG_BASE_URL}/login`,
      // SIGTERM (not Playwright's default SIGKILL) lets the script drop its database on the way out.
      gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        ...SERVER_ENV,
        PORT: String(PG_PORT),
        TAPDESK_E2E_PG_URL: PG_DATABASE_URL,
        TAPDESK_PUBLIC_URL: PG_BASE_URL,
        TAPDESK_SECRET_KEY: PG_SECRET_KEY,
      },
    },
  ],
});
