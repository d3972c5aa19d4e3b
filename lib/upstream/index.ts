import { sandboxUpstream } from "./sandbox";
import type { Upstream } from "./types";

export type { Upstream } from "./types";
export { UpstreamError } from "./types";

/** The configured upstream. Only the sandbox exists so far; real bridges plug in here. */
export function upstream(): Upstream {
  return sandboxUpstream;
}

export function sandboxEnabled(): boolean {
  return upstream() === sandboxUpstream;
}
