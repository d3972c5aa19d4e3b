import { defineConfig } from "vitest/config";
import base from "./vitest.config";

/**
 * The Vitest run `npm run mutate` (stryker.config.mjs) uses: only the fast files that cover the
 * mutated modules, so each mutant costs a second or so rather than the whole suite. (Spread,
 * not mergeConfig: that would append this list to the base's tests/** instead of replacing it.)
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "tests/rules.test.ts",
      "tests/webhook-delivery-state.test.ts",
      "tests/errors.test.ts",
      "tests/seal.test.ts",
      "tests/idempotency-store.test.ts",
      "tests/bluebubbles-protocol.test.ts",
      "tests/webhooks-ssrf.test.ts",
    ],
  },
});
