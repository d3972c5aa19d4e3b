import type { Db } from "../db/client";
import { sandboxUpstream } from "./sandbox";
import type { Upstream } from "./types";

export { SANDBOX } from "./sandbox";
export type { MessageDelivery, ReactionDelivery, SandboxControls, Upstream } from "./types";
export { UpstreamError } from "./types";

/**
 * How an agent's bridge is reached: wired where the app is composed (lib/compose.ts), so the
 * domain (the tapback and message services) knows the `Upstream` port only and never the
 * bridges, which depend on it. A second bridge kind is added there, not in lib/tapbacks.
 */
export type BridgeUpstreamFactory = (db: Db, agentId: string) => Upstream;

const BRIDGE = Symbol.for("tapdesk.bridge-upstream");
type Holder = { [BRIDGE]?: BridgeUpstreamFactory };

/** Wires the bridges' upstream (once per process; kept on globalThis, as Next.js bundles this module into several chunks). */
export function wireBridgeUpstream(factory: BridgeUpstreamFactory): void {
  (globalThis as Holder)[BRIDGE] = factory;
}

/** The agent's upstream: its bridge when it has one, else the sandbox. */
export function upstreamFor(db: Db, agent: { id: string; bridged: boolean }): Upstream {
  if (!agent.bridged) return sandboxUpstream(db);
  const bridge = (globalThis as Holder)[BRIDGE];
  if (!bridge) throw new Error("No bridge upstream is wired into this process: import lib/compose.ts where it starts.");
  return bridge(db, agent.id);
}
