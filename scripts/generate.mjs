// Generates the Prisma client (lib/generated/prisma) after `npm install`.
//
// Why the environment variable: Prisma's CLI downloads its native schema engine before
// most commands, and these machines cannot reach that download. `prisma generate` never
// runs the schema engine, so pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing file
// lets it proceed. It is set for this one command only; migrations are applied by the
// app itself (lib/db/migrate.ts).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const result = spawnSync("npx", ["prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
