import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useDatabase as installDatabase } from "@/lib/db/client";
import { seedIfEmpty } from "@/lib/seed";
import { freshDatabase, type TestDatabase } from "./helpers/db";
import { serveInProcess } from "./helpers/in-process";

const run = promisify(execFile);
const DOC = path.join(import.meta.dirname, "..", "docs", "api.md");

/** The `sh` blocks of docs/api.md's walk-through, in order, exactly as a reader copies them. */
function walkthroughBlocks(markdown: string): string[] {
  const start = markdown.indexOf("\n## Walk-through\n");
  if (start < 0) throw new Error("docs/api.md has no '## Walk-through' section");
  const end = markdown.indexOf("\n## ", start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/**
 * docs/api.md's walk-through, run as written: its own shell blocks (curl and jq), top to bottom,
 * twice, against the app's route handlers behind a loopback HTTP server on a freshly seeded
 * database. Only the two lines a reader fills in are replaced: the server's address and the key
 * printed at first start.
 */
describe("docs/api.md's walk-through", () => {
  let t: TestDatabase;
  let server: http.Server;
  let base: string;
  let boot: string;

  beforeAll(async () => {
    t = await freshDatabase("pglite");
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    boot = seeded!.apiKey;
    installDatabase(t);
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const response = await serveInProcess(
        new Request(`http://127.0.0.1${req.url}`, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: ["GET", "HEAD"].includes(req.method ?? "GET") ? undefined : Buffer.concat(chunks),
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.dispose();
  });

  /** One run of every block; each block's output comes back separately. */
  async function walk(): Promise<{ steps: string[][]; vars: Record<string, string> }> {
    const blocks = walkthroughBlocks(readFileSync(DOC, "utf8"));
    const first = blocks[0]!;
    const filled = first
      .replace(/^BASE=http:\/\/localhost:3000\/api\/v1$/m, `BASE=${base}/api/v1`)
      .replace(/^BOOT=td_….*$/m, `BOOT=${boot}`);
    expect(filled.match(/^(BASE|BOOT)=.*$/gm), "the first block still sets BASE and BOOT as a reader does").toEqual([
      `BASE=${base}/api/v1`,
      `BOOT=${boot}`,
    ]);
    const script = [filled, ...blocks.slice(1)]
      // Each marker on a line of its own (an answer may end without a newline).
      .map((block, i) => `echo; echo '::step ${i + 1}'\n${block}`)
      .concat('echo; echo "::vars KEY_ID=$KEY_ID MESSAGE=$MESSAGE REACTION=$REACTION"')
      .join("\n");
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script], { timeout: 60_000 });
    const [, ...chunks] = stdout.split(/^::step \d+\n/m);
    const last = chunks.pop()!;
    const [lastStep, varsLine] = last.split(/^::vars /m);
    const steps = [...chunks, lastStep!].map((chunk) => chunk.split("\n").filter(Boolean));
    const vars = Object.fromEntries(
      varsLine!
        .trim()
        .split(" ")
        .map((kv) => kv.split("=") as [string, string]),
    );
    return { steps, vars };
  }

  it("extracts the walk-through's eight steps", () => {
    expect(walkthroughBlocks(readFileSync(DOC, "utf8"))).toHaveLength(8);
  });

  it("runs top to bottom, twice, each run with its own key and tapback, leaving nothing behind", async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const { steps, vars } = await walk();
      runs.push(vars);
      for (const name of ["KEY_ID", "MESSAGE", "REACTION"]) expect(vars[name], name).toMatch(uuid);
      const json = (line: string) => JSON.parse(line) as Record<string, unknown>;
      expect(steps[0]).toEqual([]);
      expect(steps[1]).toEqual([]);
      // 3: love, then replaced in place by laugh.
      expect(steps[2]!.map(json)).toEqual([{ id: vars.REACTION, reaction: "laugh", sequence: expect.any(Number) }]);
      // 4: the same reaction, alone and in the message's compact array.
      expect(json(steps[3]![0]!)).toEqual({ id: vars.REACTION, reaction: "laugh", sequence: expect.any(Number) });
      expect(JSON.parse(steps[3]![1]!)).toContainEqual(expect.objectContaining({ id: vars.REACTION }));
      expect(json(steps[3]![2]!).reactions).toContainEqual(expect.objectContaining({ type: "laugh", is_me: true }));
      // 5: removed, then gone.
      expect(steps[4]).toEqual(["204", "reaction_not_found"]);
      // 6: the operation form adds and removes.
      expect(json(steps[5]![0]!)).toMatchObject({ reaction: "like" });
      expect(json(steps[5]![1]!)).toEqual({ removed: true });
      // 7: the audit trail ends with this run's changes, the last a removal.
      const trail = steps[6]!.map(json);
      expect(trail.slice(-5).map((c) => c.action)).toEqual(["add", "replace", "remove", "add", "remove"]);
      // 8: the key is revoked.
      expect(steps[7]).toEqual(["204"]);
    }
    expect(runs[1]!.KEY_ID).not.toBe(runs[0]!.KEY_ID);
    expect(runs[1]!.REACTION).not.toBe(runs[0]!.REACTION);
    expect(runs[1]!.MESSAGE).toBe(runs[0]!.MESSAGE);
    // The key list is as before: every walk-through key was revoked.
    const keys = await t.prisma.apiKey.findMany({ where: { revokedAt: null } });
    expect(keys.map((k) => k.name)).not.toContain("Walk-through");
  });
});
