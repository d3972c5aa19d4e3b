import { type ApiWorld, apiWorld } from "./api";
import type { Backend } from "./db";
import { type FakeBlueBubbles, startFakeBlueBubbles } from "./fake-bluebubbles";
import { startInboundServer } from "./inbound-server";

export interface BridgedWorld {
  w: ApiWorld;
  bb: FakeBlueBubbles;
  publicSide: Awaited<ReturnType<typeof startInboundServer>>;
  /** Closes the fake bridge, the public side and the database, and gives the environment back. */
  dispose(): Promise<void>;
}

/**
 * A fresh API world beside a fake BlueBubbles server (written from the real server's contract),
 * with the public side the bridge's webhooks reach Tapdesk through. `link` links Ava to it.
 */
export async function bridgedWorld(
  backend: Backend,
  options: { password: string; dataDir: string; link?: boolean },
): Promise<BridgedWorld> {
  const saved = { ...process.env };
  const publicSide = await startInboundServer();
  process.env.TAPDESK_PUBLIC_URL = publicSide.url;
  process.env.TAPDESK_ALLOW_PRIVATE_URLS = "1";
  process.env.TAPDESK_DATA_DIR = `${options.dataDir}-${process.pid}`;
  const w = await apiWorld(backend);
  const bb = await startFakeBlueBubbles({ password: options.password });
  if (options.link) {
    const linked = await w.api.PATCH("/agents/{id}", {
      params: { path: { id: w.ava.id } },
      body: { bridge: { kind: "bluebubbles", url: bb.url, password: options.password } },
    });
    if (linked.response.status !== 200) throw new Error(`linking Ava answered ${linked.response.status}`);
  }
  return {
    w,
    bb,
    publicSide,
    dispose: async () => {
      await bb.close();
      await publicSide.close();
      await w.dispose();
      process.env = saved;
    },
  };
}
