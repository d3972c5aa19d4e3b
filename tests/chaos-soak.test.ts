import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { seedIfEmpty } from "@/lib/seed";
import { freshDatabase } from "./helpers/db";
import { type FakeBlueBubbles, type Serialized, startFakeBlueBubbles } from "./helpers/fake-bluebubbles";
import { random } from "./helpers/random";

/**
 * The bridge under disorder (issue 16): a seeded, bounded, model-based soak. The fake
 * BlueBubbles server (the Mac and the human's phone) holds every webhook and the soak lets the
 * network deliver them late, out of order, twice or never; it answers a share of sends as
 * unknown outcomes (some sent, some not) and is restarted now and then. Agents send tapbacks
 * and messages through the API of two app instances (one on the embedded database), with and
 * without Idempotency-Keys; the human and the Mac itself tap back at random. At the end the Mac's
 * own log is the truth: every slot's live reaction must equal the phone's, every message the Mac
 * sent must appear exactly once, a retry with the same key must never have sent again, and every
 * Tapdesk webhook id must arrive once. Replay a failure with TAPDESK_SOAK_SEED=<seed>.
 */

const SEED = Number(process.env.TAPDESK_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
const OPS = Number(process.env.TAPDESK_SOAK_OPS ?? 1500);
/**
 * The operations stop at OPS or after this long, whichever comes first: the CI total matters,
 * and a loaded machine runs fewer operations rather than a slower, flakier soak. Nothing the
 * soak checks depends on how many ran.
 */
const BUDGET_MS = Number(process.env.TAPDESK_SOAK_BUDGET_MS ?? 45_000);
/** How long the calm network gets to settle every keyed send, and Tapdesk to catch up: it stops as soon as it has. */
const CATCH_UP_MS = 60_000;
const CHILD = path.join(import.meta.dirname, "helpers", "soak-instance.ts");
const PASSWORD = "soak-bridge-password";
const CLASSIC = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;

function startInstance(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; base: string; seeded?: { apiKey: string; avaId: string } }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, ...env, TAPDESK_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const port = /LISTENING (\d+)/.exec(out)?.[1];
      const seeded = /SEEDED (.+)/.exec(out)?.[1];
      if (port) resolve({ child, base: `http://127.0.0.1:${port}`, seeded: seeded ? JSON.parse(seeded) : undefined });
    });
    child.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    child.on("exit", (code) => reject(new Error(`instance exited (${code}) before listening: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

/** A plain HTTP server on 127.0.0.1 calling `handle` for each request body. */
async function listen(handle: (req: http.IncomingMessage, body: Buffer) => Promise<[number, string]>) {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const [status, body] = await handle(req, Buffer.concat(chunks));
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  // Longer than the clients keep idle connections: never closed under a request reusing one.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Target {
  /** Tapdesk's id and the Mac's guid of one message both know. */
  id: string;
  guid: string;
}

interface KeyedSend {
  key: string;
  /** The person whose conversation it is: only the worker that owns them retries it. */
  human: string;
  path: string;
  body: unknown;
  /** For a message: its unique text; for a tapback: the target's guid. */
  text?: string;
  targetGuid?: string;
  targetId?: string;
  /** Tapbacks the Mac recorded on the target while this key's attempts ran. */
  retryCalls: number;
  done: boolean;
  /** Every attempt, for the failure report: when, which instance, the answer, tapbacks it made. */
  attempts: Array<{ at: number; ms: number; instance: number; status: number; body: string; made: number }>;
}

async function prepare(backend: "postgres" | "pglite") {
  if (backend === "postgres") {
    const t = await freshDatabase("postgres");
    const seeded = await seedIfEmpty(t.prisma, { password: "pw-for-tests" });
    const ava = await t.prisma.agent.findFirstOrThrow({ where: { name: "Ava" } });
    const env: Record<string, string> = { DATABASE_URL: t.url! };
    const query = async (text: string, values: unknown[] = []) => (await t.sql.query(text, values)) as unknown[];
    return { apiKey: seeded!.apiKey, avaId: ava.id, env, dispose: t.dispose, query };
  }
  // The one instance owns its database (PGlite in memory) and seeds it itself.
  return {
    apiKey: "",
    avaId: "",
    env: { SOAK_SEED: "1" } as Record<string, string>,
    dispose: async () => {},
    query: null as null | ((text: string, values?: unknown[]) => Promise<unknown[]>),
  };
}

describe.each([
  ["postgres", 2],
  ["pglite", 1],
] as const)("chaos soak on %s with %i instance(s)", (backend, count) => {
  it("Tapdesk ends where the phone is: 0 mismatches, 0 double sends, each webhook id once", async () => {
    const seed = backend === "postgres" ? SEED : SEED + 1;
    const r = random(seed);
    const started = Date.now();
    const db = await prepare(backend);
    const prepared = Date.now() - started;
    const webhookIds = new Map<string, number>();
    const receiver = await listen(async (req) => {
      const id = String(req.headers["webhook-id"] ?? "");
      webhookIds.set(id, (webhookIds.get(id) ?? 0) + 1);
      return [200, "{}"];
    });
    let bases: string[] = [];
    // The load balancer in front of the instances: each bridge webhook goes to one at random.
    const balancer = await listen(async (req, body) => {
      const res = await fetch(`${r.pick(bases)}${req.url}`, {
        method: req.method,
        headers: { "content-type": "application/json" },
        body: new Uint8Array(body),
      });
      return [res.status, await res.text()];
    });
    const bb: FakeBlueBubbles = await startFakeBlueBubbles({ password: PASSWORD });
    const instances: ChildProcess[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const started = await startInstance({
          ...db.env,
          TAPDESK_PUBLIC_URL: balancer.url,
          TAPDESK_ALLOW_PRIVATE_URLS: "1",
          TAPDESK_WEBHOOKS_ALLOW_PRIVATE: "1",
          TAPDESK_BRIDGE_RECONCILE_S: "2",
        });
        instances.push(started.child);
        bases.push(started.base);
        if (started.seeded) Object.assign(db, started.seeded);
      }
      bases = [...bases];
      const instancesAt = Date.now();
      const api = async (method: string, url: string, body?: unknown, key?: string) => {
        const headers: Record<string, string> = { authorization: `Bearer ${db.apiKey}` };
        if (body !== undefined) headers["content-type"] = "application/json";
        if (key) headers["idempotency-key"] = key;
        const base = r.pick(bases);
        const res = await fetch(`${base}/api/v1${url}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        const replayed = res.headers.get("idempotent-replayed") === "true";
        return {
          status: res.status,
          json: text ? JSON.parse(text) : null,
          text,
          replayed,
          instance: bases.indexOf(base),
        };
      };

      expect(
        (
          await api("PATCH", `/agents/${db.avaId}`, {
            bridge: { kind: "bluebubbles", url: bb.url, password: PASSWORD },
          })
        ).status,
      ).toBe(200);
      expect(
        (await api("POST", "/webhook-endpoints", { url: receiver.url, events: ["reaction.added", "reaction.removed"] }))
          .status,
      ).toBe(201);

      // Four people write to Ava; two agents' workers each own two of them (one slot, one writer).
      const humans = Array.from({ length: 4 }, (_, i) => `+1555${String(seed % 1000).padStart(3, "0")}77${i}0`);
      const conversations = new Map<string, string>();
      const targets = new Map<string, Target[]>();
      for (const human of humans) {
        const text = `hello from ${human} ${randomUUID()}`;
        const sent = await bb.human.send({ from: human, parts: [{ text }] });
        await bb.settled();
        const list = await api("GET", "/conversations?limit=200");
        const conversation = list.json.data.find((c: { remote_number: string }) => c.remote_number === human);
        conversations.set(human, conversation.id);
        const page = await api("GET", `/conversations/${conversation.id}/messages`);
        targets.set(human, [{ id: page.json.data[0].id, guid: sent.guid }]);
      }

      // From here on the network decides: every webhook is held until the soak delivers it.
      bb.setMode({
        webhooks: "hold",
        outcomeFor: () => (r.chance(0.08) ? { status: r.chance(0.5) ? 500 : 504, happened: r.chance(0.6) } : null),
      });
      const keyed: KeyedSend[] = [];
      const counts = { operations: 0, unknown: 0, failed: 0, restarts: 0, released: 0, dropped: 0, duplicated: 0 };
      async function attempt(send: KeyedSend) {
        const before = send.targetGuid ? bb.reactionsSentOn(send.targetGuid) : 0;
        const at = Date.now();
        const answer = await api("POST", send.path, send.body, send.key);
        // Only this worker sends on its messages, one operation at a time: the tapbacks the Mac
        // was asked to make meanwhile are this request's doing. (Counted by the Mac's send route,
        // not by time: a tapback someone on the Mac made just before, in the same millisecond,
        // once counted as this request's and reported a double send that never was.)
        const made = send.targetGuid ? bb.reactionsSentOn(send.targetGuid) - before : 0;
        send.retryCalls += made;
        send.attempts.push({
          at,
          ms: Date.now() - at,
          instance: answer.instance,
          status: answer.status,
          body: `${answer.replayed ? "(replayed) " : ""}${answer.text.slice(0, 300)}`,
          made,
        });
        if (answer.status !== 504) send.done = true;
        return answer;
      }
      const retry = attempt;

      async function operate(own: string[]) {
        const human = r.pick(own);
        const conversationId = conversations.get(human)!;
        const known = targets.get(human)!;
        const target = r.pick(known);
        const roll = r.next();
        counts.operations++;
        if (roll < 0.22) {
          const type = r.chance(0.7) ? r.pick(CLASSIC) : (`-${r.pick(CLASSIC)}` as const);
          await bb.human.react({ target: target.guid, type });
        } else if (roll < 0.27) {
          await bb.mac.react({ target: target.guid, type: r.pick(CLASSIC) });
        } else if (roll < 0.5) {
          const withKey = r.chance(0.5);
          const key = withKey ? `soak-${randomUUID()}` : undefined;
          const remove = r.chance(0.3);
          const [url, body] = remove
            ? [`/messages/${target.id}/reactions`, { operation: "remove", type: r.pick(CLASSIC) }]
            : ["/reactions", { message_id: target.id, reaction: r.pick(CLASSIC) }];
          if (key) {
            const send: KeyedSend = {
              key,
              human,
              path: url,
              body,
              targetGuid: target.guid,
              targetId: target.id,
              retryCalls: 0,
              done: false,
              attempts: [],
            };
            const answer = await attempt(send);
            if (answer.status === 504) keyed.push(send);
            if (answer.status === 504) counts.unknown++;
            if (answer.status === 502) counts.failed++;
          } else {
            const answer = await api("POST", url, body);
            if (answer.status === 504) counts.unknown++;
            if (answer.status === 502) counts.failed++;
          }
        } else if (roll < 0.65) {
          const text = `soak ${randomUUID()}`;
          const key = r.chance(0.5) ? `soak-${randomUUID()}` : undefined;
          const url = `/conversations/${conversationId}/messages`;
          const body = { parts: [{ text }] };
          const answer = await api("POST", url, body, key);
          if (answer.status === 201) {
            const onMac = bb.messages().find((m) => m.text === text);
            if (onMac) known.push({ id: answer.json.id, guid: onMac.guid });
          }
          if (answer.status === 504) counts.unknown++;
          if (answer.status === 502) counts.failed++;
          if (answer.status === 504 && key)
            keyed.push({ key, human, path: url, body, text, retryCalls: 0, done: false, attempts: [] });
        } else if (roll < 0.93) {
          // The network: a held webhook arrives now (sometimes twice), or never.
          const held = bb.held();
          if (held.length > 0) {
            const guid = r.pick(held);
            if (r.chance(0.1)) {
              bb.dropHeld(guid);
              counts.dropped++;
            } else {
              await bb.release(guid);
              counts.released++;
              if (r.chance(0.15)) {
                await bb.redeliver(guid, "updated-message");
                counts.duplicated++;
              }
            }
          }
        } else if (roll < 0.99) {
          // Its own keys only: a send's attempts are counted by what the Mac made on its target
          // meanwhile, so only one worker may touch a target at a time. (Both workers once
          // retried one key at once, and the Mac's one tapback counted for both attempts.)
          const pending = keyed.filter((k) => !k.done && own.includes(k.human));
          if (pending.length > 0) await retry(r.pick(pending));
        } else {
          await bb.restart(100);
          counts.restarts++;
        }
      }

      const phases: string[] = [
        `setup ${Date.now() - started} ms (database ${prepared} ms, instances ${instancesAt - started - prepared} ms)`,
      ];
      let phaseStart = Date.now();
      const phase = (name: string) => {
        phases.push(`${name} ${Date.now() - phaseStart} ms`);
        phaseStart = Date.now();
      };
      const owners = [humans.slice(0, 2), humans.slice(2)];
      let left = OPS;
      const stopAt = Date.now() + BUDGET_MS;
      await Promise.all(
        owners.map(async (own) => {
          while (left-- > 0 && Date.now() < stopAt) await operate(own);
        }),
      );

      phase("operations");
      // The network calms down: everything still held arrives (in a random order), the bridge
      // answers plainly, and every keyed send is retried with its key until it is settled.
      bb.setMode({ outcomeFor: null, webhooks: "once" });
      const rest = bb.held();
      for (let i = rest.length - 1; i > 0; i--) {
        const j = Math.floor(r.next() * (i + 1));
        [rest[i], rest[j]] = [rest[j]!, rest[i]!];
      }
      for (const guid of rest) await bb.release(guid);
      const settleDeadline = Date.now() + CATCH_UP_MS;
      while (keyed.some((k) => !k.done) && Date.now() < settleDeadline) {
        for (const send of keyed.filter((k) => !k.done)) await retry(send);
        await sleep(300);
      }

      phase("settling");
      // The truth is the Mac's log. Compare until Tapdesk has caught up, or report what differs.
      const macMessages = () => bb.messages();
      const phoneSlots = (all: Serialized[]) => {
        const slots = new Map<string, string | null>();
        const tapbacks = all
          .filter((m) => typeof m.associatedMessageGuid === "string" && m.associatedMessageGuid)
          .sort(
            (a, b) =>
              (a.dateCreated as number) - (b.dateCreated as number) ||
              (a.originalROWID as number) - (b.originalROWID as number),
          );
        for (const t of tapbacks) {
          const [, part, guid] = /^p:(\d+)\/(.+)$/.exec(t.associatedMessageGuid as string) ?? [];
          const type = String(t.associatedMessageType);
          const slot = `${guid}|${part}|${t.isFromMe ? "outbound" : "inbound"}`;
          // Apple's rule 2: a removal takes off only the tapback of its own kind.
          if (!type.startsWith("-")) slots.set(slot, type);
          else if (slots.get(slot) === type.slice(1)) slots.set(slot, null);
        }
        return slots;
      };
      let mismatches: string[] = [];
      const compareDeadline = Date.now() + CATCH_UP_MS;
      for (;;) {
        mismatches = [];
        const all = macMessages();
        const slots = phoneSlots(all);
        for (const human of humans) {
          const conversationId = conversations.get(human)!;
          const page = await api("GET", `/conversations/${conversationId}/messages?limit=200`);
          const tapdesk = page.json.data as Array<{
            id: string;
            parts: Array<{ text?: string }>;
            reactions: Array<{ reaction: string; direction: string; part_index: number }>;
          }>;
          const macTexts = all
            .filter((m) => !m.associatedMessageGuid && (m.handle as { address: string }).address === human)
            .map((m) => m.text as string);
          const texts = tapdesk.map((m) => m.parts.map((p) => p.text ?? "").join(""));
          for (const text of macTexts) {
            const n = texts.filter((t) => t === text).length;
            if (n !== 1) mismatches.push(`message "${text}" appears ${n} times in Tapdesk`);
          }
          for (const text of texts)
            if (!macTexts.includes(text)) mismatches.push(`message "${text}" is not on the Mac`);
          for (const m of tapdesk) {
            const text = m.parts.map((p) => p.text ?? "").join("");
            const mac = all.find((x) => !x.associatedMessageGuid && x.text === text);
            if (!mac) continue;
            for (const direction of ["inbound", "outbound"]) {
              const phone = slots.get(`${mac.guid}|0|${direction}`) ?? null;
              const live = m.reactions.find((x) => x.direction === direction && x.part_index === 0)?.reaction ?? null;
              if (phone !== live) mismatches.push(`"${text}" ${direction}: phone ${phone}, Tapdesk ${live}`);
            }
          }
        }
        if (mismatches.length === 0 || Date.now() > compareDeadline) break;
        await sleep(500);
      }

      phase("comparing");
      // One request (one key) may make the Mac record its tapback at most once, over all its attempts.
      const doubled = [
        ...keyed.filter((k) => k.retryCalls > 1),
        ...keyed.filter((k) => k.text && macMessages().filter((m) => m.text === k.text).length > 1),
      ];
      const doubleSends = doubled.length;
      // For each doubled key: its attempts, the Mac's sends and tapbacks on its target, and what
      // Tapdesk kept of the unknown outcomes there (PostgreSQL only: the test can read its database).
      const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);
      const explain = async (k: KeyedSend) => {
        const lines = k.attempts.map(
          (a) => `attempt ${time(a.at)} +${a.ms} ms on instance ${a.instance}: ${a.status}, made ${a.made}: ${a.body}`,
        );
        if (k.targetGuid) {
          for (const c of bb.calls.filter(
            (c) =>
              c.path.endsWith("/message/react") &&
              (c.body as { selectedMessageGuid?: string })?.selectedMessageGuid === k.targetGuid,
          )) {
            lines.push(
              `mac react call ${time(c.at ?? 0)}: ${(c.body as { reaction: string }).reaction} -> ${c.status}`,
            );
          }
          for (const m of macMessages().filter((m) => String(m.associatedMessageGuid ?? "").endsWith(k.targetGuid!))) {
            const claimed = db.query
              ? (await db.query("SELECT 1 FROM bridge_guid WHERE guid = $1", [m.guid])).length > 0
                ? ", applied"
                : ", not applied"
              : "";
            lines.push(
              `mac tapback ${time(m.dateCreated as number)} ${m.associatedMessageType} ${m.isFromMe ? "from me" : "human"} ${m.guid}${claimed}`,
            );
          }
        }
        if (k.text) {
          for (const m of macMessages().filter((m) => m.text === k.text)) {
            lines.push(`mac message ${time(m.dateCreated as number)} ${m.guid}`);
          }
        }
        if (db.query && k.targetId) {
          const sends = (await db.query(
            `SELECT id, state, created_at, settled_at, payload->'delivered' AS delivered, payload->'actor' AS actor,
                    (payload->>'startedAt')::bigint AS started_at
               FROM unsettled_send WHERE payload->>'messageId' = $1 ORDER BY created_at`,
            [k.targetId],
          )) as Array<Record<string, unknown>>;
          for (const u of sends) {
            lines.push(
              `unsettled ${u.id} ${JSON.stringify(u.delivered)} by ${JSON.stringify(u.actor)}: ${u.state}, sent ${u.started_at ? time(Number(u.started_at)) : "-"}, kept ${time(new Date(u.created_at as string).getTime())}, settled ${u.settled_at ? time(new Date(u.settled_at as string).getTime()) : "-"}`,
            );
          }
          const [idem] = (await db.query(
            `SELECT state, status, unsettled_send_id FROM idempotency_key WHERE key = $1`,
            [k.key],
          )) as Array<Record<string, unknown>>;
          lines.push(`key: ${JSON.stringify(idem ?? null)}`);
        }
        return lines.map((l) => `\n    ${l}`).join("");
      };
      const explained = await Promise.all(doubled.map(explain));
      // Every webhook event reaches the receiver once (the worker delivers at least once, so a
      // repeat would be a bug). Wait for the worker to drain.
      let total = -1;
      while (total !== [...webhookIds.values()].reduce((a, b) => a + b, 0)) {
        total = [...webhookIds.values()].reduce((a, b) => a + b, 0);
        await sleep(1_500);
      }
      const repeatedIds = [...webhookIds.values()].filter((n) => n > 1).length;
      phase("webhooks");
      console.log(
        `chaos soak (${backend}, ${count} instance${count === 1 ? "" : "s"}): seed ${seed}, operations ${counts.operations}, ` +
          `mismatches ${mismatches.length}, double sends ${doubleSends}, repeated webhook ids ${repeatedIds}; ` +
          `unknown outcomes ${counts.unknown}, 502s ${counts.failed}, keyed retries ${keyed.length}, webhooks released ${counts.released}, ` +
          `dropped ${counts.dropped}, duplicated ${counts.duplicated}, bridge restarts ${counts.restarts}, ` +
          `${Math.round((Date.now() - started) / 1000)} s (${phases.join(", ")})` +
          (mismatches.length ? `\n  ${mismatches.slice(0, 20).join("\n  ")}` : "") +
          doubled
            .map((k, i) => `\n  sent twice: ${k.path} ${JSON.stringify(k.body)} (key ${k.key})${explained[i]}`)
            .join(""),
      );
      expect(mismatches).toEqual([]);
      expect(doubleSends).toBe(0);
      expect(repeatedIds).toBe(0);
      expect(keyed.every((k) => k.done)).toBe(true);
    } finally {
      await Promise.all(instances.map(stop));
      await bb.close();
      await balancer.close();
      await receiver.close();
      await db.dispose();
    }
  }, 300_000);
});
