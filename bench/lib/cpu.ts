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

/** Each group's processes: its root, and with `tree` every descendant living now. */
function groupPids(roots: CpuGroups, stats: ProcStat[]): Map<string, { root: ProcStat; descendants: ProcStat[] }> {
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) byParent.set(s.ppid, [...(byParent.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out = new Map<string, { root: ProcStat; descendants: ProcStat[] }>();
  for (const [name, { pid, tree }] of Object.entries(roots)) {
    if (pid === undefined) continue;
    const root = byPid.get(pid);
    if (!root) continue;
    const descendants: ProcStat[] = [];
    const stack = tree ? [...(byParent.get(pid) ?? [])] : [];
    while (stack.length > 0) {
      const s = stack.pop() as ProcStat;
      descendants.push(s);
      stack.push(...(byParent.get(s.pid) ?? []));
    }
    out.set(name, { root, descendants });
  }
  return out;
}

/**
 * CPU seconds used so far by each group's root process and all its descendants,
 * living (utime+stime) or reaped (the root's cutime+cstime).
 */
export function sampleCpu(roots: CpuGroups): CpuSample {
  const out: CpuSample = {};
  for (const [name, { root, descendants }] of groupPids(roots, allStats())) {
    out[name] = root.self + (roots[name].tree ? root.children : 0) + descendants.reduce((a, s) => a + s.self, 0);
  }
  return out;
}

/** The read and write system calls a process made so far (/proc/<pid>/io's syscr and syscw), when it may be read. */
export function parseProcIo(text: string): { reads: number; writes: number } | undefined {
  const reads = /^syscr:\s*(\d+)$/m.exec(text);
  const writes = /^syscw:\s*(\d+)$/m.exec(text);
  return reads && writes ? { reads: Number(reads[1]), writes: Number(writes[1]) } : undefined;
}

/** A thread's context switches so far (/proc/<pid>/task/<tid>/status): it gave the core up (voluntary: it waited) or had it taken (involuntary: preempted). */
export function parseCtxSwitches(text: string): { voluntary: number; involuntary: number } | undefined {
  const voluntary = /^voluntary_ctxt_switches:\s*(\d+)$/m.exec(text);
  const involuntary = /^nonvoluntary_ctxt_switches:\s*(\d+)$/m.exec(text);
  return voluntary && involuntary ? { voluntary: Number(voluntary[1]), involuntary: Number(involuntary[1]) } : undefined;
}

export interface ProcessCalls {
  reads: number;
  writes: number;
  /** Context switches of every thread (a preempted event loop resumes with cold caches: what a busy machine costs a process shows here). */
  voluntary: number;
  involuntary: number;
}

/**
 * Read and write system calls made so far by each group's living processes (a socket
 * write on loopback also does the receiving side's TCP work: what batching saves shows
 * here), and their threads' context switches. Processes that ended meanwhile are not
 * counted; groups whose /proc/<pid>/io cannot be read are left out.
 */
export function sampleSyscalls(roots: CpuGroups): Record<string, ProcessCalls> {
  const out: Record<string, ProcessCalls> = {};
  for (const [name, { root, descendants }] of groupPids(roots, allStats())) {
    const sum: ProcessCalls = { reads: 0, writes: 0, voluntary: 0, involuntary: 0 };
    let seen = false;
    for (const s of [root, ...descendants]) {
      try {
        const io = parseProcIo(readFileSync(`/proc/${s.pid}/io`, 'utf8'));
        if (!io) continue;
        sum.reads += io.reads;
        sum.writes += io.writes;
        seen = true;
        for (const tid of readdirSync(`/proc/${s.pid}/task`)) {
          const cs = parseCtxSwitches(readFileSync(`/proc/${s.pid}/task/${tid}/status`, 'utf8'));
          if (!cs) continue;
          sum.voluntary += cs.voluntary;
          sum.involuntary += cs.involuntary;
        }
      } catch {
        /* gone, or not ours to read */
      }
    }
    if (seen) out[name] = sum;
  }
  return out;
}

export function cpuDelta(before: CpuSample, after: CpuSample): CpuSample {
  const out: CpuSample = {};
  for (const [k, v] of Object.entries(after)) out[k] = Math.round((v - (before[k] ?? 0)) * 100) / 100;
  return out;
}

/**
 * CPU milliseconds per operation, each group's and in all, unrounded. With no operation, or
 * no sample at all (no /proc), the figures are NaN, never 0: nothing measured is no cost.
 */
export function perOp(seconds: CpuSample, ops: number): { msPerOp: CpuSample; totalMs: number } {
  const msPerOp: CpuSample = {};
  for (const [k, v] of Object.entries(seconds)) msPerOp[k] = ops > 0 ? (v * 1000) / ops : NaN;
  return { msPerOp, totalMs: totalMs(msPerOp) };
}

/** The sum of per-operation figures: NaN when there are none or any of them is NaN. */
export function totalMs(msPerOp: CpuSample): number {
  const values = Object.values(msPerOp);
  return values.length === 0 ? NaN : values.reduce((a, v) => a + v, 0);
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

/** The whole machine's CPU time so far, in seconds summed over every core (/proc/stat's first line). */
export interface MachineCpu {
  /** user, nice, system, irq, softirq and steal: time some work had a core. */
  busy: number;
  /** Time a virtual machine's host gave the cores to somebody else (0 where it is not reported). */
  steal: number;
  /** idle and iowait. */
  idle: number;
}

export function sampleMachineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    return parseMachineCpu(line);
  } catch {
    return undefined;
  }
}

/** /proc/stat's "cpu user nice system idle iowait irq softirq steal guest guest_nice" line (guest time is already in user). */
export function parseMachineCpu(line: string, ticks = hz()): MachineCpu | undefined {
  const f = line.trim().split(/\s+/);
  if (f[0] !== 'cpu' || f.length < 9) return undefined;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f.slice(1, 9).map(Number);
  if (![user, nice, system, idle, iowait, irq, softirq, steal].every(Number.isFinite)) return undefined;
  return { busy: (user + nice + system + irq + softirq + steal) / ticks, steal: steal / ticks, idle: (idle + iowait) / ticks };
}

export interface WindowCpu {
  /** Percent of one core, over the window. */
  machineBusyPct: number;
  /** What the processes the bench watches (the stack and the bench itself) used of it. */
  watchedPct: number;
  /** Busy time no watched process accounts for: other work on the machine (or the host's, where steal is not reported). */
  outsidePct: number;
  stealPct: number;
  /** Each watched process, percent of one core, largest first. */
  perProcessPct: [string, number][];
  /** Cores the window had: busy + idle over its length. */
  cores: number;
}

/** Where a window's CPU went: the machine's busy time against what each watched process used (seconds), as percent of one core. */
export function windowCpu(procSeconds: CpuSample, machineBefore: MachineCpu, machineAfter: MachineCpu, windowSeconds: number): WindowCpu {
  const pct = (s: number) => (windowSeconds > 0 ? Math.round((1000 * s) / windowSeconds) / 10 : NaN);
  const busy = machineAfter.busy - machineBefore.busy;
  const idle = machineAfter.idle - machineBefore.idle;
  const watched = Object.values(procSeconds).reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
  return {
    machineBusyPct: pct(busy),
    watchedPct: pct(watched),
    outsidePct: pct(Math.max(0, busy - watched)),
    stealPct: pct(machineAfter.steal - machineBefore.steal),
    perProcessPct: Object.entries(procSeconds)
      .map(([k, v]): [string, number] => [k, pct(v)])
      .sort((a, z) => z[1] - a[1]),
    cores: windowSeconds > 0 ? Math.round(((busy + idle) / windowSeconds) * 10) / 10 : NaN,
  };
}

/** One line: "machine 142% busy of 200% (the stack and the bench 120%: dispatcher 45, …; outside them 22%; steal 0%)". */
export function windowCpuText(w: WindowCpu, minPct = 1): string {
  const parts = w.perProcessPct
    .filter(([, v]) => v >= minPct)
    .map(([k, v]) => `${k.replace(/ \(.*\)$/, '')} ${v}`)
    .join(', ');
  return `machine ${w.machineBusyPct}% busy of ${Math.round(w.cores * 100)}% (the stack and the bench ${w.watchedPct}%: ${parts || 'none'}; outside them ${w.outsidePct}%; steal ${w.stealPct}%)`;
}
