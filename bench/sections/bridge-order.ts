import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { reconcileBridge } from "../../lib/bridges/bluebubbles/reconcile";
import { apiWorld } from "../../tests/helpers/api";
import { startFakeBlueBubbles } from "../../tests/helpers/fake-bluebubbles";
import { startInboundServer } from "../../tests/helpers/inbound-server";
import { summarize } from "../lib/stats";
import type { Row, Section } from "../lib/types";

/**
 * The real bridge under disorder (issue 16), in process on embedded PGlite against the fake
 * BlueBubbles server: how long from a tapback's webhook arriving to its settled badge when it
 * arrives out of order (an older change after a newer one) beside the same webhook in order;
 * and how long from an unknown outcome (504) to its settlement, by the echo and, with the echo
 * lost, by reconciliation, beside a send the bridge answers plainly.
 */

const TITLE = "Bridge under disorder — in process, embedded PGlite, fake BlueBubbles";
const ROUNDS = Number(process.env.BENCH_BRIDGE_ROUNDS || 20);
const PASSWORD = "bench-bridge-password";

export const bridgeOrderSection: Section = {
  title: TITLE,
  async run() {
    const saved = { ...process.env };
    const inbound = await startInboundServer();
    process.env.TAPDESK_PUBLIC_URL = inbound.url;
    process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
    // The soonest reconciliation may call an unseen send not sent; it settles sent ones sooner.
    process.env.TAPDESK_BRIDGE_RECONCILE_S = "2";
    const w = await apiWorld("pglite");
    const bb = await startFakeBlueBubbles({ password: PASSWORD });
    try {
      const linked = await w.raw("PATCH", `/agents/${w.ava.id}`, {
        body: { bridge: { kind: "bluebubbles", url: bb.url, password: PASSWORD } },
      });
      if (linked.response.status !== 200) throw new Error(`linking the bridge answered ${linked.response.status}`);
      const bridge = await w.t.prisma.blueBubblesBridge.findUniqueOrThrow({ where: { agentId: w.ava.id } });
      let n = 0;
      const target = async () => {
        const sent = await bb.human.send({
          from: `+1555900${String(++n).padStart(4, "0")}`,
          parts: [{ text: "hi" }],
          webhooks: "once",
        });
        await bb.settled();
        const message = await w.t.prisma.message.findFirstOrThrow({ where: { bridgeGuid: sent.guid } });
        return { id: message.id, guid: sent.guid };
      };
      const live = async (id: string) =>
        (await w.t.prisma.reaction.findFirst({ where: { messageId: id, direction: "inbound" } }))?.kind ?? null;
      /** From now until `check` holds: the badge is settled once the read model shows it. */
      const until = async (check: () => Promise<boolean>, timeoutMs = 30_000) => {
        const start = performance.now();
        while (!(await check())) {
          if (performance.now() - start > timeoutMs) throw new Error("not settled in time");
          await sleep(2);
        }
        return performance.now() - start;
      };

      const inOrder: number[] = [];
      const outOfOrder: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const m = await target();
        const love = await bb.human.react({ target: m.guid, type: "love", webhooks: "hold" });
        const like = await bb.human.react({ target: m.guid, type: "like", webhooks: "hold" });
        let start = performance.now();
        await bb.release(love.guid);
        inOrder.push(performance.now() - start + (await until(async () => (await live(m.id)) === "love")));
        await bb.release(like.guid);
        await until(async () => (await live(m.id)) === "like");
        // Out of order: un-like (newer) first, then a late laugh from before it.
        const laugh = await bb.human.react({ target: m.guid, type: "laugh", webhooks: "hold" });
        const unlaugh = await bb.human.react({ target: m.guid, type: "-laugh", webhooks: "hold" });
        await bb.release(unlaugh.guid);
        start = performance.now();
        await bb.release(laugh.guid);
        // Settled: the late laugh is applied where it happened (and taken away by the un-laugh).
        outOfOrder.push(
          performance.now() -
            start +
            (await until(async () => (await w.t.prisma.bridgeGuid.count({ where: { guid: laugh.guid } })) === 1)),
        );
        if ((await live(m.id)) !== null) throw new Error("the late tapback did not land where it happened");
      }

      const plain: number[] = [];
      const byEcho: number[] = [];
      const byReconcile: number[] = [];
      const unsettled = async (id: string) =>
        (await w.t.prisma.unsettledSend.findUniqueOrThrow({ where: { id } })).state === "unsettled";
      const lastSend = async () =>
        (await w.t.prisma.unsettledSend.findFirstOrThrow({ orderBy: { createdAt: "desc" } })).id;
      for (let i = 0; i < ROUNDS; i++) {
        const m = await target();
        let start = performance.now();
        const answered = await w.raw("POST", "/reactions", { body: { message_id: m.id, reaction: "love" } });
        if (answered.response.status !== 201) throw new Error(`a plain send answered ${answered.response.status}`);
        plain.push(performance.now() - start);
        await bb.settled();
        // By the echo: the bridge answers 500 after sending; the echo arrives a moment later.
        bb.setMode({ unknownOutcome: { status: 500, happened: true, on: "react" }, webhooks: "hold" });
        start = performance.now();
        const unknown = await w.raw("POST", "/reactions", { body: { message_id: m.id, reaction: "like" } });
        if (unknown.response.status !== 504) throw new Error(`an unknown outcome answered ${unknown.response.status}`);
        bb.setMode({ unknownOutcome: null });
        const echoed = await lastSend();
        await bb.release();
        byEcho.push(performance.now() - start + (await until(async () => !(await unsettled(echoed)))));
        // By reconciliation: the echo is lost.
        bb.setMode({ unknownOutcome: { status: 504, happened: true, on: "react" }, webhooks: "drop" });
        start = performance.now();
        const lost = await w.raw("POST", "/reactions", { body: { message_id: m.id, reaction: "laugh" } });
        if (lost.response.status !== 504) throw new Error(`an unknown outcome answered ${lost.response.status}`);
        bb.setMode({ unknownOutcome: null, webhooks: "once" });
        const dropped = await lastSend();
        byReconcile.push(
          performance.now() -
            start +
            (await until(async () => {
              await reconcileBridge(w.t.prisma, bridge.id, { soon: true });
              return !(await unsettled(dropped));
            })),
        );
      }
      const rows: Row[] = [
        { figure: "webhook in order → badge settled (baseline)", latency: summarize(inOrder) },
        { figure: "webhook out of order (older after newer) → settled", latency: summarize(outOfOrder) },
        { figure: "tapback send answered plainly (baseline)", latency: summarize(plain) },
        { figure: "unknown outcome (504) → settled by its echo", latency: summarize(byEcho) },
        {
          figure: "unknown outcome, echo lost → settled by reconciliation",
          latency: summarize(byReconcile),
          note: "reconciliation run at once here; in the server it runs 3 s after the 504",
        },
      ];
      return { title: TITLE, rows };
    } finally {
      await bb.close();
      await inbound.close();
      await w.dispose();
      process.env = saved;
    }
  },
};
