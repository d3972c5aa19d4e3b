import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that take longest, longest first (measured on the 2-core machine: each is a minute
 * or more, most of it waiting on children, timers and the database). Vitest's own order puts
 * large files first when it has no timings of its own — always, on a clean clone — so these
 * small, slow files started last and two workers ended one after the other on them.
 */
const SLOWEST_FIRST = [
  "chaos-soak",
  "kill-9",
  "isolation-api",
  "api-fuzz",
  "sealed-secrets",
  "throttle",
  "webhooks-crash",
  "no-way-in",
  "live",
  "webhooks",
  "safe-strings",
  "service",
  "isolation-dashboard",
  "data-dir",
  "instances",
  "workspaces",
];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = SLOWEST_FIRST.indexOf(path.basename(file.moduleId, ".test.ts"));
      return at === -1 ? SLOWEST_FIRST.length : at;
    };
    const vitests = await super.sort(files);
    return vitests
      .map((file, order) => ({ file, order }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order)
      .map(({ file }) => file);
  }
}
