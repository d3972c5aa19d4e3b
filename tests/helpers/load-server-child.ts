/**
 * The server process of the kill -9 test (tests/kill-9.test.ts), run with `node --import tsx`:
 * the app's API route handlers behind a plain HTTP server (./in-process.ts), with the webhook delivery
 * worker running, on the test's database (LOAD_DATA_DIR for PGlite, or DATABASE_URL). It
 * prints `LISTENING <port>`. The parent kills it with SIGKILL (no shutdown code runs) or
 * stops it with SIGTERM (the database is closed cleanly).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { useDatabase as installDatabase, openDatabase } from "../../lib/db/client";
import { startWebhookWorker } from "../../lib/webhooks/worker";
import { serveInProcess, TEST_ORIGIN } from "./in-process";

const env = process.env;
const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: env.LOAD_DATA_DIR });
installDatabase(database);
// A short lease: deliveries the killed process held are retried soon after the restart.
const worker = startWebhookWorker(database.prisma, {
  allowPrivate: true,
  pollMs: 50,
  leaseMs: 3_000,
  timeoutMs: 2_000,
});

const server = http.createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const response = await serveInProcess(
      new Request(new URL(req.url ?? "/", TEST_ORIGIN), {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.listen(0, "127.0.0.1", () => console.log(`LISTENING ${(server.address() as AddressInfo).port}`));

process.on("SIGTERM", async () => {
  server.close();
  await worker.stop();
  await database.close();
  process.exit(0);
});
