import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time and memory of a server and every process under it, from /proc (Linux): the
 * figure that barely moves on a noisy machine is CPU milliseconds per request.
 */
const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  ppid: number;
  cpuTicks: number;
}

function stats(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, "utf8");
      // Fields after the command name, which may itself hold spaces and parentheses.
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(name), ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

function tree(root: number, all: Stat[]): Stat[] {
  const members = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of all) {
      if (!members.has(s.pid) && members.has(s.ppid)) {
        members.add(s.pid);
        grew = true;
      }
    }
  }
  return all.filter((s) => members.has(s.pid));
}

/** CPU milliseconds (user + system) used so far by `root` and its descendants. */
export function cpuMs(root: number): number {
  return (tree(root, stats()).reduce((sum, s) => sum + s.cpuTicks, 0) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of `root` and its descendants, in MiB. */
export function rssMiB(root: number): number {
  let kib = 0;
  for (const s of tree(root, stats())) {
    try {
      const match = readFileSync(`/proc/${s.pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
      kib += Number(match?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return kib / 1024;
}

/** Runs `work` and returns its result with the CPU the server tree spent meanwhile. */
export async function withCpu<T>(roots: number[], work: () => Promise<T>): Promise<{ value: T; cpuMs: number }> {
  const before = roots.reduce((sum, r) => sum + cpuMs(r), 0);
  const value = await work();
  const after = roots.reduce((sum, r) => sum + cpuMs(r), 0);
  return { value, cpuMs: after - before };
}
