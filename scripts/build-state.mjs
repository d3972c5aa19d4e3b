// Whether the production build in a dist dir is current, shared by `npm start` (which builds
// when it is not) and the browser suite's second server (which waits for the first to build).
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const SOURCES = [
  "app",
  "components",
  "lib",
  "prisma",
  "public",
  "instrumentation.ts",
  "proxy.ts",
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

export function buildIsFresh(distDir) {
  const buildId = path.join(distDir, "BUILD_ID");
  return existsSync(buildId) && Math.max(...SOURCES.map(newest)) <= statSync(buildId).mtimeMs;
}

/** Present while a build runs (outside the dist dir, which `next build` empties). */
export function buildingMarker(distDir) {
  return `${path.resolve(distDir)}.building`;
}
