/**
 * One app instance of the chaos soak (tests/chaos-soak.test.ts), run with `node --import tsx`:
 * the app's route handlers (the API and the bridge's inbound webhooks) behind a plain HTTP
 * server (./in-process.ts), with the webhook delivery worker and the bridge reconciler running
 * as in the server, on the soak's database (DATABASE_URL; else PGlite, in LOAD_DATA_DIR or in memory). With
 * SOAK_SEED set it seeds the empty database first and prints `SEEDED <json>` (the API key and
 * Ava's id): PGlite's one instance owns its database. It prints
 * `LISTENING <port>` and closes cleanly on SIGTERM.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startBridgeReconciler } from "../../lib/bridges/bluebubbles/reconcile";
import { useDatabase as installDatabase, openDatabase } from "../../lib/db/client";
import { seedIfEmpty } from "../../lib/seed";
import { startWebhookWorker } from "../../lib/webhooks/worker";
import { serveInProcess, TEST_ORIGIN } from "./in-process";

const env = process.env;
// PGlite in memory unless LOAD_DATA_DIR names a directory: the soak's one PGlite instance needs
// nothing kept, and migrating and seeding files on disk costs it tens of seconds.
const database = await openDatabase(
  env.DATABASE_URL ? { url: env.DATABASE_URL } : env.LOAD_DATA_DIR ? { dataDir: env.LOAD_DATA_DIR } : {},
);
installDatabase(database);
if (env.SOAK_SEED) {
  const seeded = await seedIfEmpty(database.prisma, { password: "pw-for-tests" });
  const ava = await database.prisma.agent.findFirstOrThrow({ where: { name: "Ava" } });
  console.log(`SEEDED ${JSON.stringify({ apiKey: seeded?.apiKey, avaId: ava.id })}`);
}
const worker = startWebhookWorker(database.prisma, { allowPrivate: true, pollMs: 100, timeoutMs: 5_000 });
startBridgeReconciler(database.prisma);

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
// Idle keep-alive connections stay open longer than the soak's fetch keeps them: a server that
// closes one just as the client reuses it answers ECONNRESET (seen on a loaded machine).
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(0, "127.0.0.1", () => console.log(`LISTENING ${(server.address() as AddressInfo).port}`));

process.on("SIGTERM", async () => {
  server.close();
  await worker.stop();
  await database.close();
  process.exit(0);
});
