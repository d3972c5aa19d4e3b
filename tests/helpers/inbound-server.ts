import http from "node:http";
import type { AddressInfo } from "node:net";
import { POST as bridgeInbound } from "@/app/api/bridges/bluebubbles/[agentId]/[secret]/route";

/**
 * Tapdesk's public side for bridge tests: a real HTTP server on 127.0.0.1 that hands the
 * BlueBubbles webhook route its requests in-process, as Next.js would. Point
 * TAPDESK_PUBLIC_URL at `url` before linking a bridge, so the inbound URL registered on the
 * fake bridge leads here.
 */
export async function startInboundServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/api\/bridges\/bluebubbles\/([^/]+)\/([^/]+)$/.exec(req.url ?? "");
    if (!match || req.method !== "POST") {
      res.writeHead(404).end();
      return;
    }
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: "POST",
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      body: Buffer.concat(chunks),
    });
    const response = await bridgeInbound(request, {
      params: Promise.resolve({ agentId: decodeURIComponent(match[1]!), secret: decodeURIComponent(match[2]!) }),
    });
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "text/plain" });
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
