import { readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { sendReaction } from "../lib/api/operations/reactions";
import { useDatabase as installDatabase } from "../lib/db/client";
import { sendMessage } from "../lib/messages/service";
import { createConversation } from "../lib/sandbox";
import type { Scope } from "../lib/scope";
import { seedIfEmpty } from "../lib/seed";
import { type Backend, freshDatabase } from "../tests/helpers/db";

/**
 * `npx tsx bench/profile-send.ts [pglite|postgres] [sends]`: the agent API's tapback send
 * (POST /reactions, replace) through its operation's handler in this process — no HTTP, no
 * Next.js — counting the database round trips and the CPU each send costs. With a third
 * argument, a file name, it writes the CPU profile of the measured sends there (open it in
 * Chrome's DevTools, or summarize it as docs/performance.md does). On PostgreSQL it also reads
 * the CPU time of the database's own backends (from /proc: the server must run on this machine).
 * Prints figures; not a test.
 */
const backend = (process.argv[2] ?? "postgres") as Backend;
const SENDS = Number(process.argv[3] ?? 500);
const PROFILE = process.argv[4];

let statements = 0;
// Every statement the app sends to PostgreSQL goes through a pg client's query().
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const t = await freshDatabase(backend);
if (t.pglite) {
  // PGlite runs in this process: count its statements the same way, each of which (query, exec,
  // a prepared statement of lib/db/pglite-prepared.ts, one in a transaction) runs alone under its lock.
  const lite = t.pglite as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = lite._runExclusiveQuery!.bind(t.pglite);
  lite._runExclusiveQuery = (...args: unknown[]) => {
    statements++;
    return original(...args);
  };
}
try {
  const seeded = await seedIfEmpty(t.prisma, { password: "profile-only" });
  if (!seeded) throw new Error("expected an empty database");
  installDatabase(t);
  const scope: Scope = { workspaceId: seeded.workspaceId };
  const { conversation_id } = await createConversation(t.prisma, scope, { remote_number: "+15550100990" });
  const message = await sendMessage(t.prisma, scope, conversation_id, [{ text: "profile" }]);
  let n = 0;
  // Kinds alternate: every send replaces (201), never a no-op.
  const send = async () => {
    const kind = n++ % 2 ? "like" : "love";
    const response = await sendReaction.handler(
      new Request("http://127.0.0.1/api/v1/reactions", {
        method: "POST",
        headers: { authorization: `Bearer ${seeded.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ message_id: message.id, reaction: kind }),
      }),
      { params: Promise.resolve({}) },
    );
    if (response.status !== 201) throw new Error(`send answered ${response.status}: ${await response.text()}`);
  };
  for (let i = 0; i < 50; i++) await send();
  const backends = t.pool
    ? (await t.pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).rows
    : [];
  const backendMs = () => backends.reduce((sum, { pid }) => sum + procCpuMs(pid), 0);
  const backendBefore = backendMs();
  statements = 0;
  const inspector = new Session();
  if (PROFILE) {
    inspector.connect();
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.setSamplingInterval", { interval: 100 });
    await inspector.post("Profiler.start");
  }
  const cpu = process.cpuUsage();
  const began = performance.now();
  for (let i = 0; i < SENDS; i++) await send();
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - began;
  const backendUsed = backendMs() - backendBefore;
  if (PROFILE) {
    const { profile } = await inspector.post("Profiler.stop");
    writeFileSync(PROFILE, JSON.stringify(profile));
    inspector.disconnect();
  }
  console.log(
    `${backend}: ${SENDS} sends — ${(statements / SENDS).toFixed(1)} statements/send, ` +
      `${((used.user + used.system) / 1000 / SENDS).toFixed(2)} ms CPU/send (this process` +
      `${t.pglite ? ", PGlite included" : ", PostgreSQL's own excluded"}), ${(wall / SENDS).toFixed(2)} ms wall/send` +
      (t.pool ? `; PostgreSQL's backends ${(backendUsed / SENDS).toFixed(2)} ms CPU/send` : ""),
  );
} finally {
  await t.dispose();
}

/** A process's user + system CPU time so far, in ms (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
process.exit(0);
