import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * The Vitest run `npm run mutate` (scripts/mutate.mjs, stryker.config.mjs) uses: only the fast
 * files that cover the module being mutated, named by scripts/mutate.mjs in
 * TAPDESK_MUTATE_TESTS, so a mutant costs a second or so rather than the whole suite. (Spread,
 * not mergeConfig: that would append this list to the base's tests/** instead of replacing it.)
 */
const tests = process.env.TAPDESK_MUTATE_TESTS?.split(",").filter(Boolean);
if (!tests?.length) throw new Error("vitest.mutate.config.ts is run by `npm run mutate` (scripts/mutate.mjs)");

export default defineConfig({
  ...base,
  test: { ...base.test, include: tests },
});
