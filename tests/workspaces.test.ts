import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { verifyPassword } from "@/lib/auth/password";
import { instanceSecret } from "@/lib/auth/secrets";
import { useDatabase as installDatabase } from "@/lib/db/client";
import { writeInstanceToken } from "@/lib/workspaces/instance-token";
import { rawCaller } from "./helpers/api";
import { BACKENDS, freshDatabase, type TestDatabase } from "./helpers/db";
import { serveInProcess } from "./helpers/in-process";

const ROOT = path.join(import.meta.dirname, "..");
const run = promisify(execFile);

/** `npm run workspace -- …` as a user runs it; resolves with its output and exit code. */
async function workspaceCommand(args: string[], env: Record<string, string | undefined>) {
  const childEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  try {
    const { stdout, stderr } = await run(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/workspace.ts", ...args], {
      cwd: ROOT,
      env: childEnv,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The email, password and key out of the printed frame. */
function frame(stdout: string) {
  const field = (label: RegExp) => stdout.match(label)?.[1];
  return {
    email: field(/Email:\s+(\S+)/),
    password: field(/Password:\s+(\S+)/),
    apiKey: field(/API key \(workspace-wide, shown once\):\s+(\S+)/),
  };
}

async function expectUsable(t: TestDatabase, created: { email?: string; password?: string; apiKey?: string }) {
  const operator = await t.prisma.operator.findUniqueOrThrow({ where: { email: created.email } });
  expect(operator.role).toBe("owner");
  expect(await verifyPassword(operator.passwordHash, created.password!)).toBe(true);
  const caller = await authenticateApiKey(t.prisma, `Bearer ${created.apiKey}`);
  expect(caller).toMatchObject({ workspaceId: operator.workspaceId, agentId: null });
  return operator.workspaceId;
}

describe.each(BACKENDS)("the workspace route behind `npm run workspace` on %s", (backend) => {
  let t: TestDatabase;
  let token: string;
  // The instance's own route, outside the agent API's document: the untyped caller, same fetch.
  const call = rawCaller(() => token);
  const ADMIN = "/api/admin/workspaces";

  beforeAll(async () => {
    t = await freshDatabase(backend);
    installDatabase(t);
    token = await instanceSecret(t.prisma, "instance_token");
  });
  afterAll(() => t?.dispose());

  it("creates a workspace with an owner who can sign in and a workspace-wide key, and lists it", async () => {
    const res = await call("POST", ADMIN, {
      body: { name: "  Acme ", owner: "Ops@Acme.test" },
    });
    expect(res.response.status).toBe(201);
    expect(res.data).toMatchObject({ workspace: { name: "Acme" }, owner: { email: "ops@acme.test" } });
    const id = await expectUsable(t, {
      email: res.data.owner.email,
      password: res.data.owner.password,
      apiKey: res.data.api_key,
    });
    expect(id).toBe(res.data.workspace.id);
    const list = await call("GET", ADMIN);
    expect(list.data.data).toEqual([
      expect.objectContaining({ id, name: "Acme", owners: ["ops@acme.test"], operators: 1, agents: 0 }),
    ]);
    // Nothing secret in the list.
    expect(list.text).not.toContain(res.data.api_key);
    // A removed operator keeps its row but is neither an owner nor counted.
    await t.prisma.operator.updateMany({ where: { workspaceId: id }, data: { removedAt: new Date() } });
    const after = await call("GET", ADMIN);
    expect(after.data.data).toEqual([expect.objectContaining({ id, owners: [], operators: 0 })]);
    await t.prisma.operator.updateMany({ where: { workspaceId: id }, data: { removedAt: null } });
  });

  it("refuses a taken owner email (409), bad input (422 naming fields), and changes nothing", async () => {
    const before = await t.prisma.workspace.count();
    const taken = await call("POST", ADMIN, {
      body: { name: "Again", owner: "ops@acme.test" },
    });
    expect({ status: taken.response.status, code: taken.error.code }).toEqual({
      status: 409,
      code: "operator_email_taken",
    });
    const bad = await call("POST", ADMIN, { body: { name: "", owner: "nope" } });
    expect(bad.response.status).toBe(422);
    expect(bad.error.errors.map((e: { field: string }) => e.field).sort()).toEqual(["name", "owner"]);
    expect(await t.prisma.workspace.count()).toBe(before);
  });

  it("answers 401 to anything but the instance token, even a workspace-wide API key", async () => {
    const created = await call("POST", ADMIN, {
      body: { name: "Keyed", owner: `keyed-${backend}@acme.test` },
    });
    const before = await t.prisma.workspace.count();
    for (const key of [null, "wrong", `${token}x`, created.data.api_key]) {
      for (const method of ["GET", "POST"]) {
        const res = await call(method, ADMIN, {
          key,
          body: method === "POST" ? { name: "Sneaky", owner: "sneaky@acme.test" } : undefined,
        });
        expect({ status: res.response.status, code: res.error.code }).toEqual({ status: 401, code: "unauthorized" });
      }
    }
    expect(await t.prisma.workspace.count()).toBe(before);
  });
});

describe("`npm run workspace` as a command", () => {
  let t: TestDatabase;
  let server: http.Server;
  let dataDir: string;

  beforeAll(async () => {
    t = await freshDatabase("postgres");
    installDatabase(t);
    // The running server's side of the embedded-database path: its route, on a real HTTP port.
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
      });
      const response = await serveInProcess(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    dataDir = mkdtempSync(path.join(os.tmpdir(), "tapdesk-workspace-cmd-"));
    await writeInstanceToken(t.prisma, dataDir, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
    await t?.dispose();
  });

  it("goes through the running server with the instance token beside the data, printing the first start's frame", async () => {
    const out = await workspaceCommand(["create", "--name", "Acme", "--owner", "ops@acme.test"], {
      TAPDESK_DATA_DIR: dataDir,
      DATABASE_URL: undefined,
    });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("Workspace: Acme");
    const created = frame(out.stdout);
    expect(created.email).toBe("ops@acme.test");
    await expectUsable(t, created);
    const list = await workspaceCommand(["list"], { TAPDESK_DATA_DIR: dataDir, DATABASE_URL: undefined });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/Acme\s+owners: ops@acme\.test/);
  });

  it("with PostgreSQL connects directly", async () => {
    const out = await workspaceCommand(["create", "--name", "Globex", "--owner", "it@globex.test"], {
      DATABASE_URL: t.url!,
    });
    expect(out.code).toBe(0);
    await expectUsable(t, frame(out.stdout));
    const list = await workspaceCommand(["list"], { DATABASE_URL: t.url! });
    expect(list.stdout).toContain("2 workspaces");
  });

  it("prints the usage and exits 0 for --help, -h and no arguments", async () => {
    for (const args of [["--help"], ["-h"], [], ["create", "--help"]]) {
      const out = await workspaceCommand(args, { DATABASE_URL: undefined });
      expect({ args, code: out.code, stderr: out.stderr }).toEqual({ args, code: 0, stderr: "" });
      expect(out.stdout).toContain("npm run workspace -- create --name");
      expect(out.stdout).toContain("npm run workspace -- list");
    }
  });

  it("says in one sentence what is wrong, with a non-zero exit", async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), "tapdesk-no-server-"));
    try {
      const none = await workspaceCommand(["list"], { TAPDESK_DATA_DIR: empty, DATABASE_URL: undefined });
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/No running Tapdesk server found .* start it with `npm start` first/);
      const down = await workspaceCommand(["list"], {
        TAPDESK_DATA_DIR: dataDir,
        TAPDESK_URL: "http://127.0.0.1:9",
        DATABASE_URL: undefined,
      });
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/does not answer: is it running\?/);
      const taken = await workspaceCommand(["create", "--name", "Acme", "--owner", "ops@acme.test"], {
        TAPDESK_DATA_DIR: dataDir,
        DATABASE_URL: undefined,
      });
      expect(taken.code).toBe(1);
      expect(taken.stderr.trim()).toBe(
        "An operator with that email already exists; each email signs in to one workspace.",
      );
      const usage = await workspaceCommand(["delete"], { TAPDESK_DATA_DIR: dataDir });
      expect(usage.code).toBe(1);
      expect(usage.stderr).toContain("npm run workspace -- create --name");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
