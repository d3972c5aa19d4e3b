// Playwright's web server: the production app on a fresh embedded database.
//
// It runs the same path as `npm start` (scripts/start.mjs: build when the build is missing or
// older than the sources, then `next start`), but in its own build directory and on a data
// directory that is wiped first, so every run starts from exactly the demo seed with the
// credentials playwright.config.ts fixes.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const tmp = path.resolve(os.tmpdir());
const dataDir = path.resolve(process.env.TAPDESK_DATA_DIR || path.join(tmp, "tapdesk-e2e-data"));
// The directory is deleted: refuse anything outside the temp directory (such as ./data).
if (!dataDir.startsWith(tmp + path.sep)) {
  console.error(`e2e server: TAPDESK_DATA_DIR must be under ${tmp} because it is wiped; got ${dataDir}.`);
  process.exit(1);
}
rmSync(dataDir, { recursive: true, force: true });

const env = {
  ...process.env,
  TAPDESK_DATA_DIR: dataDir,
  TAPDESK_DIST_DIR: process.env.TAPDESK_DIST_DIR || ".next-e2e",
};
// The browser suite runs on the embedded database (ENGINEERING.md); a DATABASE_URL left in the
// shell must not point it at a shared PostgreSQL server.
delete env.DATABASE_URL;

const child = spawn(process.execPath, ["scripts/start.mjs"], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
