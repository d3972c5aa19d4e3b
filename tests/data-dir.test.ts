import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/lib/db/client";
import { readOrCreateKeyFile } from "@/lib/secrets/seal";

/** Every path under `dir` (itself included) whose mode gives group or others any access. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const visit = (at: string) => {
    if ((statSync(at).mode & 0o077) !== 0)
      found.push(`${path.relative(dir, at) || "."} ${(statSync(at).mode & 0o777).toString(8)}`);
    if (statSync(at).isDirectory()) for (const name of readdirSync(at)) visit(path.join(at, name));
  };
  visit(dir);
  return found;
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe("the embedded database's data directory", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), "tapdesk-modes-"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("is created 0700 with its files 0600 on a first start, while open and after close", async () => {
    const dir = path.join(root, "fresh", "data");
    readOrCreateKeyFile(dir);
    const database = await openDatabase({ dataDir: dir });
    expect(mode(dir)).toBe("700");
    expect(openToOthers(dir)).toEqual([]);
    // Files PostgreSQL creates while running: never writable by others, unreachable behind the 0700 dir.
    await database.sql.exec("CREATE TABLE mode_probe (x int); INSERT INTO mode_probe VALUES (1)");
    expect(mode(dir)).toBe("700");
    await database.close();
    expect(openToOthers(dir)).toEqual([]);
  });

  it("tightens an install created before (dir 0755, files 0666) on its next start", async () => {
    const dir = path.join(root, "existing");
    const old = await PGlite.create(dir);
    await old.close();
    chmodSync(dir, 0o755);
    // What PGlite leaves on its own: the state of every install made before this fix.
    expect(openToOthers(dir).length).toBeGreaterThan(100);
    expect(mode(path.join(dir, "PG_VERSION"))).toBe("666");

    const database = await openDatabase({ dataDir: dir });
    expect(openToOthers(dir)).toEqual([]);
    expect(mode(dir)).toBe("700");
    expect(mode(path.join(dir, "PG_VERSION"))).toBe("600");
    await database.close();
  });
});
