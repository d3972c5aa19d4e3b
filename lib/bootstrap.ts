import { installApiRouter } from "./api/router";
import { DEFAULT_TIMEOUT_MS } from "./bridges/bluebubbles/client";
import { startBridgeReconciler } from "./bridges/bluebubbles/reconcile";
import { credentialsFrame } from "./credentials-frame";
import { dataDir, getDatabase } from "./db/client";
import { startServerScoreWorker } from "./feedback/score-worker";
import { logger } from "./observability/log";
import { keyRing, SecretKeyError } from "./secrets/seal";
import { sealClearSecrets } from "./secrets/sealed-columns";
import { seedIfEmpty } from "./seed";
import { drainSends } from "./upstream/in-flight";
import { privateAddressesAllowed } from "./webhooks/ssrf";
import { startServerWorker } from "./webhooks/worker";
import { writeInstanceToken } from "./workspaces/instance-token";
// The upstream each agent sends through is wired here (lib/compose.ts).
import "./compose";

const SHUTDOWN = Symbol.for("tapdesk.shutdown");

/** Why the start failed, as one sentence for the operator. */
export function startFailure(error: unknown): string {
  if (error instanceof SecretKeyError) return error.message;
  const { code, message } = error as { code?: string; message?: string };
  if (code === "EACCES" || code === "EROFS") return `the data directory ${dataDir()} is not writable (${code}).`;
  if (code === "ECONNREFUSED") return "the PostgreSQL server in DATABASE_URL refuses connections.";
  return `${message ?? String(error)}`.split("\n")[0]!;
}

/** Said at start when the SSRF guard lets private and loopback URLs through, so it is never on unnoticed. */
export function privateUrlsNotice(): string | null {
  if (!privateAddressesAllowed()) return null;
  const name =
    process.env.TAPDESK_ALLOW_PRIVATE_URLS === "1" ? "TAPDESK_ALLOW_PRIVATE_URLS" : "TAPDESK_WEBHOOKS_ALLOW_PRIVATE";
  return `Tapdesk: ${name}=1 is on: webhook endpoints and bridge URLs may use private and loopback addresses (for local testing; leave it off in production).`;
}

/**
 * Server start (instrumentation.ts): open the database, apply migrations, start the webhook
 * worker, and on the very first start seed the demo workspace and print how to sign in.
 */
export async function bootstrap(): Promise<void> {
  // The sealing key first: a missing or malformed one stops the start with its sentence.
  keyRing();
  const notice = privateUrlsNotice();
  if (notice) logger().warn(notice);
  const database = await getDatabase();
  const sealed = await sealClearSecrets(database.prisma);
  if (sealed > 0) console.log(`Tapdesk: sealed ${sealed} secret(s) that were stored in clear.`);
  const seeded = await seedIfEmpty(database.prisma, {
    email: process.env.TAPDESK_ADMIN_EMAIL || undefined,
    password: process.env.TAPDESK_ADMIN_PASSWORD || undefined,
    apiKey: process.env.TAPDESK_BOOTSTRAP_API_KEY || undefined,
  });
  // Delivers webhook events, including those a previous run committed but never sent.
  const worker = startServerWorker(database.prisma);
  // Sends agents' Langfuse scores from their outbox the same way.
  const scores = startServerScoreWorker(database.prisma);
  // Applies what the agents' BlueBubbles bridges did while no webhook reached Tapdesk.
  startBridgeReconciler(database.prisma);
  // SIGTERM (scripts/start.mjs), once no request is in flight: let the deliveries in flight
  // finish and be recorded, then close the database cleanly.
  (globalThis as { [SHUTDOWN]?: () => Promise<void> })[SHUTDOWN] = async () => {
    // Sends waiting on an upstream (a bridge may take 75 s) finish and are recorded first; one
    // still running at the drain's end is settled from the upstream by the next start.
    const left = await drainSends(DEFAULT_TIMEOUT_MS + 5_000);
    if (left > 0) console.warn(`Tapdesk: ${left} send(s) still waiting on their upstream at shutdown.`);
    await Promise.all([worker.stop(), scores.stop()]);
    await database.close();
  };
  // scripts/start.mjs serves the agent API through it, past the Next.js pipeline.
  installApiRouter();
  const where = database.kind === "pglite" ? `embedded PGlite in ${dataDir()}` : "PostgreSQL (DATABASE_URL)";
  const port = process.env.PORT || "3000";
  // `npm run workspace` reaches the embedded database through this server (see instance-token.ts).
  if (database.kind === "pglite") {
    await writeInstanceToken(database.prisma, dataDir(), `http://127.0.0.1:${port}`);
  }
  if (!seeded) {
    console.log(`Tapdesk: database ready (${where}); existing data kept.`);
    return;
  }
  console.log(
    credentialsFrame({
      title: "Tapdesk first start",
      about: `Database: ${where}, demo workspace seeded`,
      signInUrl: `http://localhost:${port}/login`,
      email: seeded.email,
      password: seeded.password,
      apiKey: seeded.apiKey,
    }),
  );
}
