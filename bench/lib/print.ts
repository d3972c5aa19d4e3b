import os from "node:os";
import type { Row, SectionResult } from "./types";

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;

function cells(row: Row): string[] {
  return [
    row.figure,
    row.latency ? ms(row.latency.p50) : "",
    row.latency ? ms(row.latency.p95) : "",
    row.latency ? ms(row.latency.mean) : "",
    row.latency ? String(row.latency.count) : "",
    row.rate ? `${row.rate.value.toFixed(0)} ${row.rate.unit}` : "",
    row.cpuMs === undefined ? "" : `${row.cpuMs.toFixed(2)} ms`,
    row.versus ? `${row.versus.ratio.toFixed(1)}× ${row.versus.of}` : (row.note ?? ""),
  ];
}

const HEADER = ["figure", "p50", "p95", "mean", "n", "throughput", "server CPU/req", "vs raw driver (p50 / p50)"];
const RIGHT = new Set([1, 2, 3, 4, 5, 6]);

export function machineContext(): string {
  const cpus = os.cpus();
  return [
    `node ${process.version}`,
    `${cpus.length} CPU${cpus.length === 1 ? "" : "s"} (${cpus[0]?.model.trim() ?? "unknown"})`,
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `${os.platform()} ${os.release()}`,
    loadAverage(),
  ].join(" · ");
}

/** Other work on the machine moves every figure; the load average says how much there was. */
export function loadAverage(): string {
  return `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`;
}

/** One table for the whole run: every section's rows under its title, columns aligned across sections. */
export function printResults(results: SectionResult[]): string {
  const table = results.flatMap((r) => r.rows.map(cells));
  const widths = HEADER.map((h, i) => Math.max(h.length, ...table.map((c) => (c[i] ?? "").length)));
  const line = (c: string[]) =>
    c
      .map((text, i) => (RIGHT.has(i) ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const rule = "─".repeat(widths.reduce((a, b) => a + b + 2, -2));
  const out = [line(HEADER), rule];
  for (const result of results) {
    out.push("", result.title);
    if (result.skipped) out.push(`  skipped: ${result.skipped}`);
    if (result.error) out.push(`  FAILED: ${result.error}`);
    for (const row of result.rows) out.push(line(cells(row)));
    for (const note of result.notes ?? []) out.push(`  · ${note}`);
  }
  return out.join("\n");
}
