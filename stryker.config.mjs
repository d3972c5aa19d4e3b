// @ts-check
/**
 * Mutation testing (`npm run mutate`; README, docs/operations.md): Stryker changes one thing at
 * a time in these modules and runs the tests that cover the change; a change no test notices
 * (a surviving mutant) is a behaviour nothing checks. Not part of `npm test`: too slow for CI.
 * One module: `npm run mutate -- --mutate lib/errors.ts`.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  mutate: [
    "lib/tapbacks/rules.ts",
    "lib/webhooks/delivery-state.ts",
    "lib/errors.ts",
    "lib/secrets/seal.ts",
    "lib/api/idempotency.ts",
    "lib/bridges/bluebubbles/inbound.ts",
    "lib/webhooks/ssrf.ts",
  ],
  coverageAnalysis: "perTest",
  // Two shared cores: one sandbox at a time keeps the machine usable (and the timings honest).
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ["clear-text", "progress", "html"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  thresholds: { high: 90, low: 90, break: 90 },
  ignorePatterns: ["/.next", "/.next-*", "/test-results", "/playwright-report", "/reports", "/data"],
  cleanTempDir: "always",
};
