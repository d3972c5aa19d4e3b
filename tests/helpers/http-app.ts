import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiRouter } from "@/lib/api/router";
import { CLIENT_ADDRESS_HEADER } from "@/lib/auth/throttle";
import { serveInProcess } from "./in-process";

/**
 * The app's route handlers (./in-process.ts) behind a real HTTP server on a loopback port, for
 * clients that speak HTTP themselves (the MCP client). Answers are streamed as they are
 * written (an SSE stream stays open), the client address is set from the connection as
 * scripts/start.mjs sets it, and a client that goes away aborts its request.
 */
export interface HttpApp {
  url: string;
  close(): Promise<void>;
}

/** `address` stands in for the connection's address (a throttle test's own client). */
export async function serveOverHttp(options: { address?: string } = {}): Promise<HttpApp> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const aborted = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(", "));
    }
    headers.set(CLIENT_ADDRESS_HEADER, options.address ?? req.socket.remoteAddress ?? "unknown");
    const hasBody = req.method !== "GET" && req.method !== "HEAD" && chunks.length > 0;
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
      signal: aborted.signal,
    });
    try {
      const response = await serveInProcess(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.flushHeaders();
      const reader = response.body?.getReader();
      for (let read = await reader?.read(); read && !read.done; read = await reader!.read()) res.write(read.value);
      res.end();
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  });
  return listening(server);
}

/** What a router's server answers for a request the router leaves to Next.js. */
export const FELL_THROUGH = 599;

/** An API router (lib/api/router.ts) on a loopback port, as scripts/start.mjs serves it. */
export function serveRouter(router: ApiRouter): Promise<HttpApp> {
  return listening(
    http.createServer((req, res) => {
      if (!router(req, res)) res.writeHead(FELL_THROUGH).end();
    }),
  );
}

async function listening(server: http.Server): Promise<HttpApp> {
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
