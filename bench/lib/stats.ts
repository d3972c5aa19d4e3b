import { performance } from "node:perf_hooks";

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples to summarize");
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { count: samples.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean };
}

/** One client sending one operation after another: its throughput is 1 s over the mean latency. */
export function sequentialRate(summary: Summary): number {
  return 1000 / summary.mean;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}
