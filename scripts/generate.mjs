// Generates what is derived, never committed, after `npm install`: the Prisma client
// (lib/generated/prisma), then the typed API client's types (lib/generated/openapi.ts, from the
// OpenAPI document the app serves; see scripts/openapi-types.ts).
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
for (const [command, ...args] of [
  ["npx", "prisma", "generate"],
  ["npx", "tsx", "scripts/openapi-types.ts"],
]) {
  const result = spawnSync(command, args, { stdio: "inherit", env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
