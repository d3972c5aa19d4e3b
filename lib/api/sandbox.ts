import { AppError } from "../errors";
import { sandboxEnabled } from "../upstream";
import { type ApiContext, api } from "./http";

/** Sandbox controls exist only while the sandbox is the upstream (SPEC §5): 404 otherwise. */
export function sandboxApi<P>(handler: (ctx: ApiContext, params: P) => Promise<Response>) {
  return api<P>(async (ctx, params) => {
    if (!sandboxEnabled()) throw new AppError("not_found", "The sandbox is not the upstream of this deployment.");
    return handler(ctx, params);
  });
}
