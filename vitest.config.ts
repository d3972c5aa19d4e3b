import path from "node:path";
import { defineConfig } from "vitest/config";
import SlowestFirst from "./tests/helpers/sequencer";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["tests/**/*.test.ts"],
    // Fails a test whose API answers disagree with the served OpenAPI document.
    setupFiles: ["tests/helpers/openapi-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file opens its own databases; two workers fit these 2-core machines.
    maxWorkers: 2,
    // The slowest files start first, so the two workers finish close together.
    sequence: { sequencer: SlowestFirst },
    // Secrets are sealed under this key in tests (the in-memory databases have no directory
    // to keep a generated key in). Child processes the tests start inherit it.
    env: { TAPDESK_SECRET_KEY: "dGFwZGVzay10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=" },
  },
});
