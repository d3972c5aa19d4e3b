import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type Database, openDatabase } from "@/lib/db/client";
import { sendMessage } from "@/lib/messages/service";
import { createConversation, humanSend } from "@/lib/sandbox";
import { seedIfEmpty } from "@/lib/seed";
import { KINDS } from "@/lib/tapbacks/kinds";
import { createEndpoint } from "@/lib/webhooks/endpoints";
import type { ReactionEventData } from "@/lib/webhooks/events";
import { BACKENDS, type Backend, freshDatabase } from "./helpers/db";
import { startReceiver } from "./helpers/webhook-receiver";

/**
 * Nothing is lost or half-applied when the server is killed with SIGKILL under load: 8
 * clients send the agent's tapbacks and the human's reactions (webhooks subscribed), the
 * server dies mid-way and starts again on the same data. Then every change acknowledged with
 * a 2xx is in the audit trail and the reads, every change has its audit row, its event and its
 * conversation version bump, and every committed event reaches the receiver (at least once).
 */

/** One 2xx answer, as the client that got it logged it. */
interface Answer {
  messageId: string;
  partIndex: number;
  kind: string;
  remove: boolean;
  status: number;
  body: { id?: string; sequence?: number; removed?: boolean };
}

const CHILD = path.join(import.meta.dirname, "helpers", "load-server-child.ts");
const CLIENTS = 8;
const CLASSIC = KINDS.filter((k) => !["custom", "sticker"].includes(k));

interface Target {
  open(): Promise<Database>;
  childEnv: Record<string, string>;
  dispose(): Promise<void>;
}

async function target(backend: Backend): Promise<Target> {
  if (backend === "postgres") {
    const t = await freshDatabase("postgres");
    return {
      open: async () => ({ ...t, close: async () => {} }),
      childEnv: { DATABASE_URL: t.url! },
      dispose: t.dispose,
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), "tapdesk-kill9-"));
  return {
    open: () => openDatabase({ dataDir: dir }),
    childEnv: { LOAD_DATA_DIR: dir },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, ...env, TAPDESK_WEBHOOKS_ALLOW_PRIVATE: "1", TAPDESK_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const port = /LISTENING (\d+)/.exec(out)?.[1];
      if (port) resolve({ child, base: `http://127.0.0.1:${port}/api/v1` });
    });
    child.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
}

function stop(child: ChildProcess, signal: "SIGKILL" | "SIGTERM"): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

describe.each(BACKENDS)("kill -9 under load on %s", (backend) => {
  it("loses no acknowledged change, half-applies none, and delivers every committed event", async () => {
    const t = await target(backend);
    const receiver = await startReceiver();
    let server: ChildProcess | undefined;
    try {
      // The workspace, 8 conversations and an endpoint at the receiver, made before the server starts.
      const setup = await t.open();
      const seeded = await seedIfEmpty(setup.prisma, { password: "pw-for-tests" });
      const key = seeded!.apiKey;
      const scope = { workspaceId: seeded!.workspaceId };
      const threads: { conversationId: string; agentMessage: string; humanMessage: string }[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const c = await createConversation(setup.prisma, scope, {
          remote_number: `+1555010${String(i).padStart(4, "0")}`,
        });
        const agent = await sendMessage(setup.prisma, scope, c.conversation_id, [{ text: "one" }, { text: "two" }]);
        const human = await humanSend(setup.prisma, scope, c.conversation_id, [{ text: "hi" }]);
        threads.push({ conversationId: c.conversation_id, agentMessage: agent.id, humanMessage: human.id });
      }
      const endpoint = await createEndpoint(
        setup.prisma,
        scope,
        { url: receiver.url, events: ["reaction.added", "reaction.removed", "imessage.reaction_received"] },
        { allowPrivate: true },
      );
      receiver.secrets = [endpoint.secret];
      const conversationIds = threads.map((th) => th.conversationId);
      const versionsBefore = new Map(
        (await setup.prisma.conversation.findMany({ where: { id: { in: conversationIds } } })).map((c) => [
          c.id,
          c.version,
        ]),
      );
      await setup.close();

      let { child, base } = await startServer(t.childEnv);
      server = child;
      const acknowledged: { reactionId: string; sequence: number }[] = [];
      // The clients' own log of every 2xx answer, kept apart from anything the server stores:
      // additions and replacements (201), no-ops (200, the live reaction) and removals (`{removed}`).
      const answers: Answer[] = [];
      let running = true;
      let sent = 0;
      const post = (url: string, body: unknown) =>
        fetch(`${base}${url}`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const client = async (n: number) => {
        const th = threads[n]!;
        let i = 0;
        while (running) {
          i++;
          const kind = CLASSIC[(n + i) % CLASSIC.length]!;
          const part = i % 2;
          const human = i % 3 === 0;
          const asked = human
            ? { messageId: th.agentMessage, partIndex: part, kind, remove: i % 4 === 0 }
            : {
                messageId: i % 2 ? th.humanMessage : th.agentMessage,
                partIndex: i % 2 ? 0 : part,
                kind,
                remove: false,
              };
          try {
            const res = human
              ? await post(`/sandbox/messages/${asked.messageId}/reactions`, {
                  operation: asked.remove ? "remove" : "add",
                  type: kind,
                  part_index: asked.partIndex,
                })
              : await post("/reactions", { message_id: asked.messageId, reaction: kind, part_index: asked.partIndex });
            sent++;
            const body = (await res.json()) as { id?: string; sequence?: number; removed?: boolean };
            expect(res.status, JSON.stringify(body)).toBeLessThan(500);
            if (res.ok) answers.push({ ...asked, status: res.status, body });
            if (res.ok && body.id && body.sequence) acknowledged.push({ reactionId: body.id, sequence: body.sequence });
          } catch (error) {
            // The server died under this request: not acknowledged, so anything goes for it.
            if (!running || (error as Error).name === "TypeError") continue;
            throw error;
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
      // Kill it mid-way: once real load is flowing.
      await expect.poll(() => acknowledged.length, { timeout: 60_000, interval: 20 }).toBeGreaterThan(150);
      await stop(child, "SIGKILL");
      running = false;
      await Promise.all(clients);
      expect(sent).toBeGreaterThan(150);

      ({ child, base } = await startServer(t.childEnv));
      server = child;
      // The restarted worker delivers what the dead one left, including deliveries it held.
      const undelivered = async () => {
        let n = 0;
        for (const status of ["pending", "failed"]) {
          const res = await fetch(`${base}/webhook-endpoints/${endpoint.id}/deliveries?status=${status}&limit=100`, {
            headers: { authorization: `Bearer ${key}` },
          });
          n += ((await res.json()) as { data: unknown[] }).data.length;
        }
        return n;
      };
      await expect.poll(undelivered, { timeout: 60_000, interval: 200 }).toBe(0);
      // The reads after the restart, as the API gives them.
      const live = new Map<string, { id: string; sequence: number }[]>();
      for (const th of threads) {
        for (const id of [th.agentMessage, th.humanMessage]) {
          const res = await fetch(`${base}/messages/${id}`, { headers: { authorization: `Bearer ${key}` } });
          live.set(id, ((await res.json()) as { reactions: { id: string; sequence: number }[] }).reactions);
        }
      }
      await stop(child, "SIGTERM");
      server = undefined;

      const db = await t.open();
      try {
        const changes = await db.prisma.reactionChange.findMany({ where: { conversationId: { in: conversationIds } } });
        const reactions = await db.prisma.reaction.findMany({ where: { conversationId: { in: conversationIds } } });
        const slots = await db.prisma.reactionSlot.findMany({ where: { id: { in: changes.map((c) => c.slotId) } } });

        // Every acknowledged change is in the audit trail.
        const audited = new Set(changes.map((c) => `${c.reactionId}:${c.sequence}`));
        const lost = acknowledged.filter((a) => !audited.has(`${a.reactionId}:${a.sequence}`));
        expect(lost).toEqual([]);

        // The clients' log against the database and the receiver: every acknowledged addition
        // or replacement is in the audit trail and reached the receiver as its reaction.added;
        // every acknowledged removal has its removal in the audit trail and its reaction.removed.
        const sets = answers.filter((a) => a.status === 201);
        const removals = answers.filter((a) => a.body.removed === true);
        expect(sets.length).toBeGreaterThan(0);
        expect(removals.length).toBeGreaterThan(0);
        const heard = receiver.received
          .filter((r) => r.verifiedWith.length > 0)
          .map((r) => ({ id: r.id, type: r.json.type, data: r.json.data as unknown as ReactionEventData }));
        const addedEvents = new Set(
          heard.filter((e) => e.type === "reaction.added").map((e) => `${e.data.reaction.id}:${e.data.sequence}`),
        );
        expect(sets.filter((a) => !addedEvents.has(`${a.body.id}:${a.body.sequence}`))).toEqual([]);
        const removalKey = (messageId: string, partIndex: number, kind: string) => `${messageId}:${partIndex}:${kind}`;
        const count = (keys: string[]) => {
          const n = new Map<string, number>();
          for (const k of keys) n.set(k, (n.get(k) ?? 0) + 1);
          return n;
        };
        const auditedRemovals = count(
          changes
            .filter((c) => c.action === "remove" && c.actorType === "human")
            .map((c) => removalKey(c.messageId, c.partIndex, c.kind)),
        );
        const removedEvents = count(
          [...new Map(heard.filter((e) => e.type === "reaction.removed").map((e) => [e.id, e.data])).values()]
            .filter((d) => !d.sender.is_me)
            .map((d) => removalKey(d.message_id, d.part_index, d.reaction_type)),
        );
        for (const [key, n] of count(removals.map((a) => removalKey(a.messageId, a.partIndex, a.kind)))) {
          expect(
            auditedRemovals.get(key) ?? 0,
            `acknowledged removals of ${key} in the audit trail`,
          ).toBeGreaterThanOrEqual(n);
          expect(
            removedEvents.get(key) ?? 0,
            `acknowledged removals of ${key} the receiver heard of`,
          ).toBeGreaterThanOrEqual(n);
        }

        // Each slot's live reaction is its last change, with a gapless sequence; the reads show exactly these.
        for (const slot of slots) {
          const history = changes.filter((c) => c.slotId === slot.id).sort((a, b) => a.sequence - b.sequence);
          expect(history.map((c) => c.sequence)).toEqual(history.map((_, i) => i + 1));
          expect(slot.sequence).toBe(history.length);
          const last = history.at(-1)!;
          const row = reactions.find((r) => r.slotId === slot.id);
          if (last.action === "remove") expect(row).toBeUndefined();
          else expect(row).toMatchObject({ id: last.reactionId, kind: last.kind, sequence: last.sequence });
        }
        const readIds = [...live.values()]
          .flat()
          .map((r) => `${r.id}:${r.sequence}`)
          .sort();
        expect(readIds).toEqual(reactions.map((r) => `${r.id}:${r.sequence}`).sort());

        // Every change bumped its conversation's version once, in its own transaction.
        const versions = await db.prisma.conversation.findMany({ where: { id: { in: conversationIds } } });
        for (const c of versions) {
          expect(c.version - versionsBefore.get(c.id)!).toBe(changes.filter((x) => x.conversationId === c.id).length);
        }

        // Every change has its event, every event went out, signed, at least once.
        const events = await db.prisma.webhookEvent.findMany({ where: { workspaceId: scope.workspaceId } });
        const changeEvents = events
          .filter((e) => e.type === "reaction.added" || e.type === "reaction.removed")
          .map(
            (e) =>
              JSON.parse(e.body).data as {
                message_id: string;
                part_index: number;
                sequence: number;
                sender: { handle: string };
              },
          )
          .map((d) => `${d.message_id}:${d.part_index}:${d.sender.handle}:${d.sequence}`)
          .sort();
        expect(changeEvents).toEqual(
          changes.map((c) => `${c.messageId}:${c.partIndex}:${c.sender}:${c.sequence}`).sort(),
        );
        const deliveries = await db.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
        expect(deliveries.length).toBe(events.length);
        expect(deliveries.every((d) => d.status === "succeeded")).toBe(true);
        const received = new Set(receiver.received.filter((r) => r.verifiedWith.length > 0).map((r) => r.id));
        expect(events.filter((e) => !received.has(e.id)).map((e) => e.id)).toEqual([]);
      } finally {
        await db.close();
      }
    } finally {
      if (server) await stop(server, "SIGKILL");
      await receiver.close();
      await t.dispose();
    }
    // Two server starts, 8 clients and the delivery of every event: about a minute on a loaded
    // two-core machine, so the suite's 60 s default is too tight.
  }, 240_000);
});
