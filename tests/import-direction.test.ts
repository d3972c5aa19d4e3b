import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * One direction of dependence (issue 16): the domain (lib/tapbacks, lib/messages, lib/sends,
 * lib/upstream) knows the `Upstream` port only; the bridges are adapters that depend on it,
 * and the choice of upstream per agent is wired where the app is composed (lib/compose.ts).
 * This follows every static import from the domain's modules, transitively, and fails if one
 * reaches lib/bridges.
 */

const ROOT = path.resolve(import.meta.dirname, "..");
const DOMAIN = [
  "lib/tapbacks/service.ts",
  "lib/messages/service.ts",
  "lib/sends/unsettled.ts",
  "lib/upstream/index.ts",
];

/** The modules a file imports statically (`import … from`, `export … from`), resolved to paths. */
function importsOf(file: string): string[] {
  const source = readFileSync(path.join(ROOT, file), "utf8");
  const found: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)) {
    const spec = m[1]!;
    let target: string | null = null;
    if (spec.startsWith("@/")) target = spec.slice(2);
    else if (spec.startsWith(".")) target = path.join(path.dirname(file), spec);
    if (!target) continue;
    for (const candidate of [`${target}.ts`, `${target}.tsx`, `${target}/index.ts`]) {
      try {
        readFileSync(path.join(ROOT, candidate));
        found.push(path.normalize(candidate));
        break;
      } catch {}
    }
  }
  return found;
}

/** Every module reachable from `start`, with the path that reached it. */
function reachable(start: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[start, [start]]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of importsOf(file)) {
      if (seen.has(next) || next.startsWith("lib/generated/")) continue;
      seen.set(next, [...seen.get(file)!, next]);
      queue.push(next);
    }
  }
  return seen;
}

describe("one direction of dependence", () => {
  it.each(DOMAIN)("%s reaches no module of lib/bridges", (start) => {
    const paths = [...reachable(start).entries()].filter(([file]) => file.startsWith("lib/bridges/"));
    expect(paths.map(([, via]) => via.join(" → "))).toEqual([]);
  });

  it("finds the imports it follows (the check can fail)", () => {
    // The bridge's upstream adapter does import the domain and the bridge's own modules.
    const fromBridge = reachable("lib/bridges/bluebubbles/upstream.ts");
    expect(fromBridge.has("lib/bridges/bluebubbles/client.ts")).toBe(true);
    expect(fromBridge.has("lib/upstream/types.ts")).toBe(true);
  });
});
