/**
 * A stand-in for the server process in the crash tests (tests/webhooks-crash.test.ts),
 * run with `node --import tsx`. It opens the test's database and, by CRASH_MODE:
 * - "commit": makes the human's tapback, prints COMMITTED once it is committed, and then
 *   idles without a worker, so the parent can kill it between the commit and any delivery;
 * - "worker": runs the delivery worker (short lease), so the parent can kill it while it
 *   is sending.
 * The parent kills it with SIGKILL: no shutdown code of ours runs.
 */
import { openDatabase } from "../../lib/db/client";
import { humanReact } from "../../lib/sandbox";
import { startWebhookWorker } from "../../lib/webhooks/worker";

const env = process.env;
const database = await openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: env.CRASH_DATA_DIR });

if (env.CRASH_MODE === "commit") {
  const result = await humanReact(database.prisma, { workspaceId: env.CRASH_WORKSPACE_ID! }, env.CRASH_MESSAGE_ID!, {
    operation: "add",
    type: "love",
  });
  console.log(`COMMITTED ${result.reaction!.id}`);
} else {
  startWebhookWorker(database.prisma, { allowPrivate: true, pollMs: 50, leaseMs: Number(env.CRASH_LEASE_MS) });
  console.log("WORKING");
}
// Stay alive until killed.
setInterval(() => {}, 1_000);
