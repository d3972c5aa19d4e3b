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
    // Each file opens its own databases. Three workers on these 2-core machines: the files spend
    // much of their time waiting (on child servers, sockets, leases and deadlines), and two
    // workers left a core idle (the whole run used 1.4 of 2 cores).
    maxWorkers: 3,
    // The slowest files start first, so the workers finish close together.
    sequence: { sequencer: SlowestFirst },
    // Secrets are sealed under this key in tests (the in-memory databases have no directory
    // to keep a generated key in). Child processes the tests start inherit it.
    env: { TAPDESK_SECRET_KEY: "dGFwZGVzay10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE=" },
  },
});
