// `npm start`: builds the production app when there is no build (or the sources are newer
// than it), then serves it with `next start` on $PORT (default 3000).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCES = [
  "app",
  "components",
  "lib",
  "prisma",
  "public",
  "instrumentation.ts",
  "next.config.js",
  "package.json",
];
const IGNORE = new Set(["generated", "node_modules"]);

function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let max = 0;
  for (const name of readdirSync(p)) {
    if (!IGNORE.has(name)) max = Math.max(max, newest(path.join(p, name)));
  }
  return max;
}

const buildId = path.join(process.env.TAPDESK_DIST_DIR || ".next", "BUILD_ID");
const stale = !existsSync(buildId) || Math.max(...SOURCES.map(newest)) > statSync(buildId).mtimeMs;
if (stale) {
  console.log("Tapdesk: building the production app (first start, or sources changed)…");
  const build = spawnSync("npx", ["next", "build"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const port = process.env.PORT || "3000";
const server = spawnSync("npx", ["next", "start", "-p", port], { stdio: "inherit" });
process.exit(server.status ?? 0);
