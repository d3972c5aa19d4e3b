import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { openSync, writeFileSync } from "node:fs";
import http from "node:http";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { sealData } from "iron-session";
import pino from "pino";
import { createApiRouter } from "../lib/api/router";
import { instanceSecret } from "../lib/auth/secrets";
import { useDatabase as installDatabase } from "../lib/db/client";
import { createConversation } from "../lib/sandbox";
import { seedIfEmpty } from "../lib/seed";
import { freshDatabase } from "../tests/helpers/db";

/**
 * `npx tsx bench/profile-poll.ts [requests] [file.cpuprofile]`: `GET /api/health` and the thread
 * poll answered `304`, served by lib/api/router.ts in this process behind the per-request work of
 * scripts/start.mjs (request id, client address, one pino line, the request context), on an
 * in-memory PGlite; the requests come one after another from a child process. Prints this
 * process's CPU per request; with a file name, writes the CPU profile of the measured requests
 * (`-health` and `-poll` before the extension; open them in Chrome's DevTools). Not a test.
 */
const REQUESTS = Number(process.argv[2] ?? 2000);
const PROFILE = process.argv[3];

const logFile = path.join(os.tmpdir(), `tapdesk-profile-poll-${process.pid}.log`);
const log = pino({ base: undefined }, pino.destination(openSync(logFile, "w")));
const context = new AsyncLocalStorage();
Object.assign(globalThis, { [Symbol.for("tapdesk.logger")]: log, [Symbol.for("tapdesk.request-context")]: context });

const t = await freshDatabase("pglite");
installDatabase(t);
const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-profile" });
if (!seeded) throw new Error("seed did not run on a fresh database");
const scope = { workspaceId: seeded.workspaceId };
const { conversation_id: conversationId } = await createConversation(t.prisma, scope, {
  remote_number: "+15550100999",
});
const owner = await t.prisma.operator.findFirstOrThrow({ where: { workspaceId: scope.workspaceId } });
const seal = await sealData(
  { operatorId: owner.id, epoch: owner.sessionEpoch },
  { password: await instanceSecret(t.prisma, "session") },
);
const cookie = `tapdesk_session=${seal}`;

const router = createApiRouter();
const server = http.createServer((req, res) => {
  // As scripts/start.mjs does for every request.
  const requestId = randomUUID();
  const started = process.hrtime.bigint();
  req.headers["x-request-id"] = requestId;
  req.headers["x-tapdesk-client-address"] = req.socket.remoteAddress ?? "";
  res.setHeader("x-request-id", requestId);
  res.once("close", () => {
    log.info({
      requestId,
      method: req.method,
      route: req.url,
      status: res.statusCode,
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
    });
  });
  context.run({ requestId }, () => {
    if (!router(req, res)) {
      res.statusCode = 404;
      res.end();
    }
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const pollUrl = `${base}/api/ui/conversations/${conversationId}`;
const first = await fetch(pollUrl, { headers: { cookie } });
await first.arrayBuffer();
const etag = first.headers.get("etag") ?? "";

/** The child: 100 warm-up requests, "ready", then on "go" the measured ones, "done". */
const CLIENT = `
  const { url, headers, status, count } = JSON.parse(process.argv[1]);
  const one = async () => {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(url + " answered " + res.status);
  };
  for (let i = 0; i < 100; i++) await one();
  process.stdout.write("ready\\n");
  await new Promise((resolve) => process.stdin.once("data", resolve));
  for (let i = 0; i < count; i++) await one();
  process.stdout.write("done\\n");`;

async function measure(name: string, url: string, headers: Record<string, string>, status: number) {
  const child = spawn(
    process.execPath,
    ["--input-type=module", "-e", CLIENT, JSON.stringify({ url, headers, status, count: REQUESTS })],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const line = (text: string) =>
    new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes(text) && resolve());
      child.once("exit", (code) => reject(new Error(`the client exited (${code}) before "${text}"`)));
    });
  await line("ready");
  const session = new Session();
  if (PROFILE) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const cpu = process.cpuUsage();
  const wall = performance.now();
  child.stdin.write("go\n");
  await line("done");
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - wall;
  if (PROFILE) {
    const { profile } = await session.post("Profiler.stop");
    const file = PROFILE.replace(/(\.cpuprofile)?$/, `-${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
  child.stdin.end();
  const cpuMs = (used.user + used.system) / 1000 / REQUESTS;
  console.log(`${name}: ${cpuMs.toFixed(3)} ms server CPU/req, ${(ms / REQUESTS).toFixed(3)} ms wall/req`);
}

await measure("health", `${base}/api/health`, {}, 200);
await measure("poll", pollUrl, { cookie, "if-none-match": etag }, 304);
server.close();
await t.dispose();
