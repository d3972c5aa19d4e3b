// `npm test`: Biome and the type check side by side, then the Vitest suites (two workers), then
// the Playwright suite. The two test suites do not run side by side: on two cores each slows
// the other enough to trip the timeouts some tests rely on (a webhook receiver's 1 s deadline).
// Each line is prefixed with its suite; the exit code is non-zero if any failed.
import { spawn } from "node:child_process";

function run(name, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
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
  ],
  [["unit", "npx", ["vitest", "run"]]],
  [["e2e", "npx", ["playwright", "test"]]],
];
for (const phase of phases) {
  const results = await Promise.all(phase.map(([name, command, args]) => run(name, command, args)));
  if (results.includes(false)) process.exit(1);
}
