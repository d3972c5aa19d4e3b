import { bridgeUpstream } from "../bridges/bluebubbles/upstream";
import type { Db } from "../db/client";
import { sandboxUpstream } from "./sandbox";
import type { Upstream } from "./types";

export type { MessageDelivery, ReactionDelivery, Upstream } from "./types";
export { UpstreamError } from "./types";

/** The agent's upstream: its BlueBubbles bridge when it has one, else the sandbox. */
export function upstreamFor(db: Db, agent: { id: string; bridged: boolean }): Upstream {
  return agent.bridged ? bridgeUpstream(db, agent.id) : sandboxUpstream(db);
}
