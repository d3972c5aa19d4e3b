// `npm test`: Biome, the type check and the browser suite's production build side by side, then
// the Vitest suites (three workers), then the Playwright suite on that build. The two test suites
// do not run side by side: on two cores each slows the other enough to trip the timeouts some
// tests rely on (a webhook receiver's 1 s deadline). Each line is prefixed with its suite; the
// exit code is non-zero if any failed.
import { spawn } from "node:child_process";
import { buildIsFresh } from "./build-state.mjs";

/** Where the browser suite's servers find their build (e2e/settings.ts, DIST_DIR). */
const E2E_DIST_DIR = ".next-e2e";

function run(name, command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    const started = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      let rest = "";
      stream.on("data", (chunk) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop();
        for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
      });
      stream.on("end", () => rest && process.stdout.write(`[${name}] ${rest}\n`));
    }
    child.on("exit", (code, signal) => {
      const ok = code === 0;
      console.log(
        `[${name}] ${ok ? "passed" : `FAILED (${signal ?? code})`} in ${Math.round((Date.now() - started) / 1000)} s`,
      );
      resolve(ok);
    });
  });
}

const phases = [
  [
    ["lint", "npx", ["biome", "check", "."]],
    ["typecheck", "npx", ["tsc", "--noEmit"]],
    // Made here, beside the checks, rather than by the browser suite's first server.
    ...(buildIsFresh(E2E_DIST_DIR)
      ? []
      : [["build", "npx", ["next", "build"], { TAPDESK_DIST_DIR: E2E_DIST_DIR, NEXT_TELEMETRY_DISABLED: "1" }]]),
  ],
  [["unit", "npx", ["vitest", "run"]]],
  [["e2e", "npx", ["playwright", "test"]]],
];
for (const phase of phases) {
  const results = await Promise.all(phase.map(([name, command, args, env]) => run(name, command, args, env)));
  if (results.includes(false)) process.exit(1);
}
