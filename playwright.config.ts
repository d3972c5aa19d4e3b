import { existsSync } from "node:fs";
import { defineConfig } from "@playwright/test";
import { API_KEY, BASE_URL, DIST_DIR, OPERATOR, PORT } from "./e2e/settings";

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

export default defineConfig({
  testDir: "e2e",
  forbidOnly: !!process.env.CI,
  retries: 0,
  // One shared server on two cores; every test works on its own fresh conversation.
  workers: 2,
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
  projects: [
    { name: "dashboard", testIgnore: [UPSTREAM_FAULTS, TWO_INSTANCES] },
    { name: "two-instances", testMatch: TWO_INSTANCES },
    { name: "upstream-faults", testMatch: UPSTREAM_FAULTS, dependencies: ["dashboard"], workers: 1 },
  ],
  webServer: {
    // Builds the production app (first run, or sources changed) and serves it on a wiped
    // embedded database: see scripts/e2e-server.mjs.
    command: "node scripts/e2e-server.mjs",
    url: `${BASE_URL}/login`,
    // A cold `next build` takes about a minute on two cores.
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      TAPDESK_DATA_DIR: process.env.TAPDESK_E2E_DATA_DIR || "/tmp/tapdesk-e2e-data",
      TAPDESK_DIST_DIR: DIST_DIR,
      TAPDESK_ADMIN_EMAIL: OPERATOR.email,
      TAPDESK_ADMIN_PASSWORD: OPERATOR.password,
      TAPDESK_BOOTSTRAP_API_KEY: API_KEY,
      // The bridge spec's fake BlueBubbles server listens on loopback and posts back to this server.
      TAPDESK_ALLOW_PRIVATE_URLS: "1",
      TAPDESK_PUBLIC_URL: BASE_URL,
      // One log line per request would bury the test output.
      TAPDESK_LOG_LEVEL: "warn",
    },
  },
});
