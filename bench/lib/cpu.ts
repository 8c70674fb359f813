// CPU time per process group (each service, nats-server, PostgreSQL, the bench itself)
// from /proc, so a scenario can say where its cycles went. Linux only; elsewhere empty.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;
function hz(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, and for reaped children cutime + cstime, in seconds. */
  self: number;
  children: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces; the fields start after its closing parenthesis.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const t = hz();
    return { pid, ppid: Number(f[1]), self: (Number(f[11]) + Number(f[12])) / t, children: (Number(f[13]) + Number(f[14])) / t };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  if (!existsSync('/proc')) return [];
  const out: ProcStat[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const s = readStat(Number(d));
    if (s) out.push(s);
  }
  return out;
}

/** A group: a root process, with or without its descendants. */
export type CpuGroups = Record<string, { pid: number | undefined; tree: boolean }>;
export type CpuSample = Record<string, number>;

/**
 * CPU seconds used so far by each group's root process and all its descendants,
 * living (utime+stime) or reaped (the root's cutime+cstime).
 */
export function sampleCpu(roots: CpuGroups): CpuSample {
  const stats = allStats();
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out: CpuSample = {};
  for (const [name, { pid, tree }] of Object.entries(roots)) {
    if (pid === undefined) continue;
    const root = byPid.get(pid);
    if (!root) continue;
    if (!tree) {
      out[name] = root.self;
      continue;
    }
    let total = root.self + root.children;
    const stack = [...(byParent.get(pid) ?? [])];
    while (stack.length > 0) {
      const s = stack.pop() as ProcStat;
      total += s.self;
      stack.push(...(byParent.get(s.pid) ?? []));
    }
    out[name] = total;
  }
  return out;
}

export function cpuDelta(before: CpuSample, after: CpuSample): CpuSample {
  const out: CpuSample = {};
  for (const [k, v] of Object.entries(after)) out[k] = Math.round((v - (before[k] ?? 0)) * 100) / 100;
  return out;
}

/** The pid of the process listening with this command line fragment (nats-server on its port). */
export function findPid(fragments: string[]): number | undefined {
  if (!existsSync('/proc')) return undefined;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      if (fragments.every((f) => cmd.includes(f))) return Number(d);
    } catch {
      /* gone */
    }
  }
  return undefined;
}
