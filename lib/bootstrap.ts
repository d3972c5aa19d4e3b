import { dataDir, getDatabase } from "./db/client";
import { keyRing } from "./secrets/seal";
import { sealClearSecrets } from "./secrets/sealed-columns";
import { seedIfEmpty } from "./seed";
import { startServerWorker } from "./webhooks/worker";

/**
 * Server start (instrumentation.ts): open the database, apply migrations, start the webhook
 * worker, and on the very first start seed the demo workspace and print how to sign in.
 */
export async function bootstrap(): Promise<void> {
  // The sealing key first: a missing or malformed one stops the start with its sentence.
  keyRing();
  const database = await getDatabase();
  const sealed = await sealClearSecrets(database.prisma);
  if (sealed > 0) console.log(`Tapdesk: sealed ${sealed} secret(s) that were stored in clear.`);
  const seeded = await seedIfEmpty(database.prisma, {
    email: process.env.TAPDESK_ADMIN_EMAIL || undefined,
    password: process.env.TAPDESK_ADMIN_PASSWORD || undefined,
    apiKey: process.env.TAPDESK_BOOTSTRAP_API_KEY || undefined,
  });
  // Delivers webhook events, including those a previous run committed but never sent.
  startServerWorker(database.prisma);
  const where = database.kind === "pglite" ? `embedded PGlite in ${dataDir()}` : "PostgreSQL (DATABASE_URL)";
  if (!seeded) {
    console.log(`Tapdesk: database ready (${where}); existing data kept.`);
    return;
  }
  const port = process.env.PORT || "3000";
  console.log(
    [
      "",
      "┌─ Tapdesk first start ───────────────────────────────────────────",
      `│ Database: ${where}, demo workspace seeded`,
      `│ Sign in:  http://localhost:${port}/login`,
      `│   Email:    ${seeded.email}`,
      `│   Password: ${seeded.password}`,
      `│ API key (workspace-wide, shown once): ${seeded.apiKey}`,
      "└─────────────────────────────────────────────────────────────────",
      "",
    ].join("\n"),
  );
}
