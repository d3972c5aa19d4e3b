// `npm run rotate-secret-key`: re-seals every sealed secret (webhook signing secrets, bridge
// passwords, and the instance's session password, API-key pepper and instance token) under a new
// key. The values themselves stay the same, so sessions and API keys keep working.
//
// Embedded database (no DATABASE_URL): stop the server first (only one process may open the
// data directory). The key file beside the data gets the new key; the old one stays in it,
// still accepted, until every value is re-sealed, so a crash at any point loses nothing.
//
// PostgreSQL: TAPDESK_SECRET_KEY (and TAPDESK_SECRET_KEY_PREVIOUS) open the values; they are
// re-sealed under TAPDESK_NEW_SECRET_KEY, or a generated key that is printed. Then give every
// instance TAPDESK_SECRET_KEY=<new key> (keep the old one in TAPDESK_SECRET_KEY_PREVIOUS until
// all of them have restarted).
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { dataDir, openDatabase } from "../lib/db/client";
import {
  generateSecretKey,
  keyFilePath,
  loadKeyRing,
  parseSecretKey,
  SecretKeyError,
  UnsealError,
  writeKeyFile,
} from "../lib/secrets/seal";
import { resealAll } from "../lib/secrets/sealed-columns";

function fail(sentence: string): never {
  console.error(`rotate-secret-key: ${sentence}`);
  process.exit(1);
}

async function main() {
  const url = process.env.DATABASE_URL;
  const given = process.env.TAPDESK_NEW_SECRET_KEY;
  const newText = given?.trim() || generateSecretKey();
  const target = parseSecretKey(newText, "TAPDESK_NEW_SECRET_KEY");
  const ring = loadKeyRing();
  const keys = [ring.current, ...ring.previous];
  const embedded = !url && ring.source === "file";
  const dir = dataDir();

  if (embedded) {
    // PGlite leaves this file while a process has the database open.
    if (existsSync(path.join(dir, "postmaster.pid"))) {
      fail(
        `the database in ${dir} is in use (or was not closed cleanly): stop the Tapdesk server, start and stop it once if it crashed, then run this again.`,
      );
    }
    // Every old key stays in the file, after the new one, until the re-seal has committed.
    const old = readFileSync(keyFilePath(dir), "utf8")
      .split("\n")
      .filter((line) => line.trim() && parseSecretKey(line).id !== target.id);
    writeKeyFile(dir, [newText, ...old]);
  }

  const database = await openDatabase(url ? { url } : { dataDir: dir });
  let count: number;
  try {
    count = await resealAll(database.prisma, keys, target);
  } finally {
    await database.close();
  }

  if (embedded) {
    writeKeyFile(dir, [newText]);
    console.log(`Re-sealed ${count} secret(s) under key ${target.id}; ${keyFilePath(dir)} now holds only the new key.`);
    return;
  }
  console.log(`Re-sealed ${count} secret(s) under key ${target.id}.`);
  if (!given) console.log(`The new key (shown once): ${newText}`);
  console.log(
    "Now set TAPDESK_SECRET_KEY to the new key on every instance and restart them; keep the old key in TAPDESK_SECRET_KEY_PREVIOUS until all of them have restarted.",
  );
}

main().catch((error) => {
  if (error instanceof SecretKeyError || error instanceof UnsealError) fail(error.message);
  throw error;
});
