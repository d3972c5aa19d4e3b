import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Scalar's browser bundle, served by this app (app/api-reference/standalone.js) rather than
 * from a CDN: the reference loads nothing from another host. It is read from node_modules at
 * request time, so `npm install && npm start` needs no copy step.
 */
const PACKAGE = path.join(process.cwd(), "node_modules", "@scalar", "api-reference");
export const SCALAR_BUNDLE = path.join(PACKAGE, "dist", "browser", "standalone.js");

let version: string | undefined;
/** The installed version, in the script's address: a new version is a new address, so the bundle can be cached for good. */
export function scalarVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(PACKAGE, "package.json"), "utf8")) as { version: string }).version;
  return version;
}
