import type { Summary } from "./stats";

/** One line of the printed table: a measured series, or a single figure. */
export interface Row {
  figure: string;
  /** Latencies in milliseconds, when the row is a series. */
  latency?: Summary;
  /** Operations per second, with what an operation is ("ops/s", "polls/s", …). */
  rate?: { value: number; unit: string };
  /** The same work through the raw database driver: this row's p50 over `of`'s p50. */
  versus?: { of: string; ratio: number };
  /** Server CPU milliseconds per request over the row's run (all the server's processes). */
  cpuMs?: number;
  note?: string;
}

export interface SectionResult {
  title: string;
  rows: Row[];
  /** Why the section printed no figures (e.g. PostgreSQL not reachable). */
  skipped?: string;
  /** The section threw: its message and stack. */
  error?: string;
  /** Short notes printed under the section's rows. */
  notes?: string[];
}

/** Shared by the sections of one run: the server (started once, when a section needs it) and figures other sections compare against. */
export interface BenchContext {
  server(): Promise<import("./server").BenchServer>;
  references: Map<string, Summary>;
}

export interface Section {
  title: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}
