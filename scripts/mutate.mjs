// `npm run mutate [-- module …]`: Stryker (stryker.config.mjs) on each module below, one at a
// time, each with only the fast test files that cover it; then every module's mutation score
// and the run time. Exits non-zero when a module is under 90 %. Not part of `npm test`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const MODULES = {
  "lib/tapbacks/rules.ts": ["tests/rules.test.ts", "tests/rules-decisions.test.ts"],
  "lib/webhooks/delivery-state.ts": ["tests/webhook-delivery-state.test.ts"],
  "lib/errors.ts": ["tests/errors.test.ts"],
  "lib/secrets/seal.ts": ["tests/seal.test.ts", "tests/seal-edges.test.ts", "tests/seal-key-ring.test.ts"],
  "lib/api/idempotency.ts": ["tests/idempotency-store.test.ts"],
  "lib/bridges/bluebubbles/inbound.ts": ["tests/bluebubbles-protocol.test.ts", "tests/bluebubbles-inbound.test.ts"],
  "lib/webhooks/ssrf.ts": ["tests/ssrf.test.ts"],
};
const THRESHOLD = 90;

const asked = process.argv.slice(2);
for (const name of asked)
  if (!(name in MODULES)) throw new Error(`${name} is not one of ${Object.keys(MODULES).join(", ")}`);
const modules = asked.length ? asked : Object.keys(MODULES);

const rows = [];
const started = Date.now();
for (const module of modules) {
  const t0 = Date.now();
  const report = `reports/mutation/${module.replaceAll("/", "_")}.json`;
  const run = spawnSync("npx", ["stryker", "run", "--mutate", module], {
    stdio: "inherit",
    env: { ...process.env, TAPDESK_MUTATE_TESTS: MODULES[module].join(","), TAPDESK_MUTATE_REPORT: report },
  });
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (run.status !== 0) {
    rows.push({ module, score: null, seconds });
    continue;
  }
  const counts = {};
  for (const mutant of JSON.parse(readFileSync(report, "utf8")).files[module].mutants) {
    counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
  }
  const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const undetected = (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  rows.push({ module, score: (100 * detected) / (detected + undetected), detected, undetected, seconds });
}

console.log("\nmodule                                  score    killed  survived  time");
for (const r of rows) {
  const score = r.score === null ? "  error" : `${r.score.toFixed(1).padStart(6)} %`;
  console.log(
    `${r.module.padEnd(38)} ${score}  ${String(r.detected ?? "").padStart(6)}  ${String(r.undetected ?? "").padStart(8)}  ${r.seconds} s`,
  );
}
console.log(`total ${Math.round((Date.now() - started) / 1000)} s`);
process.exit(rows.every((r) => r.score !== null && r.score >= THRESHOLD) ? 0 : 1);
