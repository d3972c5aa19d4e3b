// @ts-check
/**
 * Mutation testing (`npm run mutate`, which runs scripts/mutate.mjs; README, docs/operations.md):
 * Stryker changes one thing at a time in a module and runs the tests that cover the change; a
 * change no test notices (a surviving mutant) is a behaviour nothing checks. scripts/mutate.mjs
 * runs it once per module with only that module's test files. Not part of `npm test`.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  coverageAnalysis: "perTest",
  // Two shared cores: one sandbox at a time keeps the machine usable.
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ["clear-text", "progress", "json"],
  // scripts/mutate.mjs names the report per module and judges each module's score itself.
  jsonReporter: { fileName: process.env.TAPDESK_MUTATE_REPORT ?? "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 90, break: null },
  ignorePatterns: ["/.next", "/.next-*", "/test-results", "/playwright-report", "/reports", "/data", "/bench/out"],
  cleanTempDir: "always",
};
