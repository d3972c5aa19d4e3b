import { performance } from "node:perf_hooks";
import { loadAverage, machineContext, printResults } from "./lib/print";
import { type RunningServer, startServer } from "./lib/server";
import type { BenchContext, Section, SectionResult } from "./lib/types";
import { apiReactionsSection } from "./sections/api-reactions";
import { apiReadsSection } from "./sections/api-reads";
import { bridgeOrderSection } from "./sections/bridge-order";
import { dashboardPollSection } from "./sections/dashboard-poll";
import { feedbackSection } from "./sections/feedback";
import { liveSection } from "./sections/live";
import { serviceWriteSection } from "./sections/service-write";
import { slowUpstreamSection } from "./sections/slow-upstream";
import { throughputSection } from "./sections/throughput";
import { webhookDeliverySection } from "./sections/webhook-delivery";

/**
 * `npm run bench`: prints figures, never pass/fail. Each section returns rows; sections that
 * need the production server share one, started on first use and always stopped.
 * Sections run in order: later ones may compare against figures earlier ones recorded.
 */

const ALL: Section[] = [
  serviceWriteSection("pglite"),
  serviceWriteSection("postgres"),
  dashboardPollSection,
  apiReactionsSection,
  apiReadsSection,
  webhookDeliverySection,
  slowUpstreamSection,
  liveSection,
  throughputSection,
  feedbackSection,
  bridgeOrderSection,
];

// `npm run bench -- poll postgres`: only the sections whose title holds one of the words.
const words = process.argv.slice(2).map((w) => w.toLowerCase());
const SECTIONS = words.length ? ALL.filter((s) => words.some((w) => s.title.toLowerCase().includes(w))) : ALL;

let running: Promise<RunningServer> | undefined;

async function stopServer(): Promise<void> {
  const started = running;
  running = undefined;
  if (started) await (await started.catch(() => undefined))?.stop();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping the server`);
    void stopServer().finally(() => process.exit(130));
  });
}

const ctx: BenchContext = {
  server: async () => {
    running ??= startServer();
    return (await running).server;
  },
  references: new Map(),
};

const began = performance.now();
console.log(`Tapdesk bench — ${machineContext()}\n`);
const results: SectionResult[] = [];
let failed = false;
try {
  for (const section of SECTIONS) {
    const t = performance.now();
    process.stdout.write(`running: ${section.title} … `);
    try {
      results.push(await section.run(ctx));
      console.log(`${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (error) {
      failed = true;
      console.log("failed");
      results.push({ title: section.title, rows: [], error: String((error as Error).stack ?? error) });
    }
  }
} finally {
  await stopServer();
}
console.log(`\n${printResults(results)}\n`);
console.log(`Latencies are per operation, one client; throughput = 1 s / mean latency.`);
console.log(`Total ${((performance.now() - began) / 1000).toFixed(0)} s. At the end: ${loadAverage()}.`);
process.exit(failed ? 1 : 0);
