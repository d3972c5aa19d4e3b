import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/lib/db/client";
import { sendMessage } from "@/lib/messages/service";
import { createConversation, humanReact } from "@/lib/sandbox";
import { seedIfEmpty } from "@/lib/seed";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import { startWebhookWorker } from "@/lib/webhooks/worker";
import { BACKENDS, type Backend, freshDatabase } from "./helpers/db";
import { type Receiver, startReceiver } from "./helpers/webhook-receiver";

/**
 * A crash loses nothing (the outbox, docs/webhooks.md): a process killed with SIGKILL right after committing a
 * tapback, or while sending its webhook, leaves the event in the database, and the next
 * process delivers it, with the same webhook-id.
 */

const CHILD = path.join(import.meta.dirname, "helpers", "webhook-crash-child.ts");

interface Target {
  /** Opens the database in this process (PGlite: only while no child has it open). */
  open(): Promise<Database>;
  childEnv: Record<string, string>;
  dispose(): Promise<void>;
}

async function target(backend: Backend): Promise<Target> {
  if (backend === "postgres") {
    const t = await freshDatabase("postgres");
    const url = await t.sql.query<{ db: string }>("SELECT current_database() AS db");
    const pgUrl = new URL(process.env.TAPDESK_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test");
    pgUrl.pathname = `/${url[0]!.db}`;
    return {
      open: async () => ({ ...t, close: async () => {} }),
      childEnv: { DATABASE_URL: pgUrl.toString() },
      dispose: t.dispose,
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), "tapdesk-crash-"));
  return {
    open: () => openDatabase({ dataDir: dir }),
    childEnv: { CRASH_DATA_DIR: dir },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function run(env: Record<string, string>, waitFor: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith(waitFor));
      if (line) resolve({ child, line });
    });
    child.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before ${waitFor}: ${err}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

describe.each(BACKENDS)("a crash on %s", (backend) => {
  let receiver: Receiver | undefined;
  let cleanup: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
    await receiver?.close();
    receiver = undefined;
  });

  /** A workspace with an agent message and an endpoint at the receiver; the database closed again. */
  async function prepare(t: Target) {
    receiver = await startReceiver();
    const database = await t.open();
    const seeded = await seedIfEmpty(database.prisma, { password: "pw-for-tests" });
    const scope = { workspaceId: seeded!.workspaceId };
    const conversation = await createConversation(database.prisma, scope, { remote_number: "+15550003333" });
    const message = await sendMessage(database.prisma, scope, conversation.conversation_id, [{ text: "hi" }]);
    const endpoint = await createEndpoint(
      database.prisma,
      scope,
      { url: receiver.url, events: ["reaction.added"] },
      { allowPrivate: true },
    );
    receiver.secrets = [endpoint.secret];
    await database.close();
    return { workspaceId: scope.workspaceId, messageId: message.id };
  }

  it("between the commit and the delivery: the restarted process delivers the event", async () => {
    const t = await target(backend);
    cleanup.push(t.dispose);
    const ids = await prepare(t);
    const { child, line } = await run(
      { ...t.childEnv, CRASH_MODE: "commit", CRASH_WORKSPACE_ID: ids.workspaceId, CRASH_MESSAGE_ID: ids.messageId },
      "COMMITTED",
    );
    await kill(child);
    const reactionId = line.split(" ")[1];
    expect(receiver!.received).toHaveLength(0);

    const database = await t.open();
    cleanup.push(() => database.close());
    const worker = startWebhookWorker(database.prisma, { allowPrivate: true, pollMs: 50 });
    cleanup.push(() => worker.stop());
    const [got] = await receiver!.waitFor((r) => r.length >= 1);
    expect(got!.json.type).toBe("reaction.added");
    expect((got!.json.data as { reaction: { id: string } }).reaction.id).toBe(reactionId);
    expect(got!.verifiedWith).toEqual(receiver!.secrets);
  });

  it("while sending: once the dead worker's lease expires, the next one sends the same webhook-id", async () => {
    const t = await target(backend);
    cleanup.push(t.dispose);
    const ids = await prepare(t);
    // The first request never gets an answer: the process dies while it waits.
    receiver!.respond = (_request, seen) => (seen === 0 ? { status: 200, delayMs: 60_000 } : { status: 200 });
    const database = await t.open();
    await humanReact(database.prisma, { workspaceId: ids.workspaceId }, ids.messageId, {
      operation: "add",
      type: "like",
    });
    await database.close();

    const { child } = await run({ ...t.childEnv, CRASH_MODE: "worker", CRASH_LEASE_MS: "1500" }, "WORKING");
    const [first] = await receiver!.waitFor((r) => r.length >= 1);
    await kill(child);

    const reopened = await t.open();
    cleanup.push(() => reopened.close());
    const worker = startWebhookWorker(reopened.prisma, { allowPrivate: true, pollMs: 50 });
    cleanup.push(() => worker.stop());
    const received = await receiver!.waitFor((r) => r.length >= 2);
    expect(received[1]!.id).toBe(first!.id);
    expect(received[1]!.body).toBe(first!.body);
    expect(received[1]!.verifiedWith).toEqual(receiver!.secrets);
    const delivery = await reopened.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId: first!.id } });
    // Attempt 1 died with its process and left no log row; attempt 2 is logged.
    for (;;) {
      const row = await reopened.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
      if (row.status === "succeeded") {
        expect(row.attempts).toBe(2);
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  });
});
