import { randomUUID } from "node:crypto";
import type { Db } from "../../db/client";
import { markNotSent, unsettledOfAgent } from "../../sends/unsettled";
import { applyBridgeMessage, OWN_MESSAGE_SETTLE_MS } from "./apply";
import { bridgeClient, statusOf, touchBridge } from "./bridge";
import { BlueBubblesError } from "./client";
import type { BbMessage } from "./schemas";

/**
 * BlueBubbles posts each webhook once and never retries, so a webhook lost on the way (Tapdesk
 * restarting, a network blip) would lose the human's tapback. Reconciliation asks each bridge
 * what happened since the last message seen and applies what was missed; it also settles sends
 * whose outcome the bridge left unknown. It runs at start, every TAPDESK_BRIDGE_RECONCILE_S
 * seconds (default 60), and soon after an unknown outcome; with several app instances a
 * bridge is reconciled by one at a time (a lease on its row).
 */

/** Reconciliation reads this far back from its cursor, so the agent's own recent messages get a second look once settled. */
const OVERLAP_MS = 2 * OWN_MESSAGE_SETTLE_MS;
const PAGE = 200;
/** A reconciliation that dies leaves its bridge to the next one after this long. */
const LEASE_MS = 5 * 60_000;

export interface ReconcileResult {
  applied: number;
  read: number;
}

/**
 * Reconciles one bridge; null when another instance is at it, or did it less than an interval
 * ago (every instance's timer fires, but a bridge is asked once per interval). `soon`: after an
 * unknown outcome, whatever the last run's time, unless a run is under way.
 */
export async function reconcileBridge(
  db: Db,
  bridgeId: string,
  options: { soon?: boolean; now?: number } = {},
): Promise<ReconcileResult | null> {
  const token = randomUUID();
  const soon = options.soon ?? false;
  // reconcile_until: while a run holds the bridge, when its lease ends; after a run, when the
  // next one is due.
  const claimed = await db.$executeRaw`
    UPDATE bluebubbles_bridge
       SET reconcile_token = ${token}::uuid, reconcile_until = now() + ${LEASE_MS}::int * interval '1 millisecond'
     WHERE id = ${bridgeId}::uuid
       AND (reconcile_until IS NULL OR reconcile_until < now() OR (${soon} AND reconcile_token IS NULL))`;
  if (claimed !== 1) return null;
  // A long run (a large backlog, a slow bridge) keeps its claim: another instance must not
  // start a second, overlapping run when the first lease would have ended.
  const renew = setInterval(() => {
    db.$executeRaw`
      UPDATE bluebubbles_bridge SET reconcile_until = now() + ${LEASE_MS}::int * interval '1 millisecond'
       WHERE id = ${bridgeId}::uuid AND reconcile_token = ${token}::uuid`.catch(() => {});
  }, LEASE_MS / 3);
  renew.unref();
  try {
    const row = await db.blueBubblesBridge.findUnique({ where: { id: bridgeId } });
    if (!row) return null;
    const bridge = await bridgeClient(row);
    try {
      await touchBridge(db, row.id, statusOf(await bridge.client.serverInfo()));
    } catch (error) {
      if (!(error instanceof BlueBubblesError)) throw error;
      await db.blueBubblesBridge.update({ where: { id: row.id }, data: { status: "unreachable" } });
      return { applied: 0, read: 0 };
    }
    const startedAt = Date.now();
    const after = Number(row.cursorMs ?? BigInt(startedAt)) - OVERLAP_MS;
    const missed: BbMessage[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await bridge.client.queryMessages({ after, limit: PAGE, offset });
      missed.push(...page.messages);
      if (page.messages.length + page.skipped < PAGE) break;
    }
    // Oldest first, whatever order the server answered in: a removal must follow its addition.
    missed.sort((a, b) => (a.dateCreated ?? 0) - (b.dateCreated ?? 0));
    let applied = 0;
    let newest = Number(row.cursorMs ?? 0);
    // The oldest message that failed for a transient reason: the cursor stays before it, so
    // the next run reads it again (nothing is dropped).
    let failedAt: number | null = null;
    for (const message of missed) {
      // One message that cannot be applied must not hold back the ones after it.
      const outcome = await applyBridgeMessage(db, row, message, {
        recordOwnMessages: true,
        now: options.now ?? startedAt,
      }).catch((error) => {
        console.error(`Bridge ${row.id}: message ${message.guid} not applied yet:`, (error as Error).message);
        return "failed" as const;
      });
      if (outcome === "applied") applied++;
      if (outcome === "failed") failedAt ??= message.dateCreated ?? startedAt;
      newest = Math.max(newest, message.dateCreated ?? 0);
    }
    const read = missed.length;
    const cursor = Math.min(newest || startedAt, startedAt, failedAt ?? Number.POSITIVE_INFINITY);
    await db.blueBubblesBridge.updateMany({
      where: { id: row.id, reconcileToken: token },
      data: { cursorMs: BigInt(cursor) },
    });
    // Sends whose outcome was unknown and that the bridge's history, read past their window,
    // does not show: never sent. A retry with their Idempotency-Key runs afresh.
    if (failedAt === null) {
      for (const send of await unsettledOfAgent(db, row.agentId)) {
        if (send.settleBy.getTime() <= (options.now ?? startedAt)) await markNotSent(db, send.id);
      }
    }
    return { applied, read };
  } finally {
    clearInterval(renew);
    // Due again a little before the next tick, so timers that drift still find it due.
    const next = new Date(Date.now() + reconcileIntervalMs() * 0.9);
    await db.blueBubblesBridge
      .updateMany({
        where: { id: bridgeId, reconcileToken: token },
        data: { reconcileToken: null, reconcileUntil: next },
      })
      .catch(() => {});
  }
}

/** Reconciles every bridge, one after another; a failing bridge does not stop the others. */
export async function reconcileAll(db: Db): Promise<void> {
  const bridges = await db.blueBubblesBridge.findMany({ select: { id: true } });
  for (const { id } of bridges) {
    await reconcileBridge(db, id).catch((error) => {
      console.error(`Bridge reconciliation failed for bridge ${id}:`, (error as Error).message);
    });
  }
}

const SOON_MS = 3_000;
const soon = new Set<string>();

/** After a send with an unknown outcome: read back what the bridge really did, shortly. */
export function reconcileSoon(db: Db, bridgeId: string): void {
  if (soon.has(bridgeId)) return;
  soon.add(bridgeId);
  setTimeout(() => {
    soon.delete(bridgeId);
    reconcileBridge(db, bridgeId, { soon: true }).catch(() => {});
  }, SOON_MS).unref();
}

export function reconcileIntervalMs(): number {
  const seconds = Number(process.env.TAPDESK_BRIDGE_RECONCILE_S || 60);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}

const TIMER = Symbol.for("tapdesk.bridge-reconciler");
type Holder = { [TIMER]?: NodeJS.Timeout };

/** Starts reconciling at once and then on the interval (once per process). */
export function startBridgeReconciler(db: Db): void {
  const holder = globalThis as Holder;
  if (holder[TIMER]) return;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    reconcileAll(db)
      .catch((error) => console.error("Bridge reconciliation failed:", (error as Error).message))
      .finally(() => {
        running = false;
      });
  };
  holder[TIMER] = setInterval(tick, reconcileIntervalMs());
  holder[TIMER].unref();
  tick();
}
