// What each service instance says about itself on GET /health: work counters (how the
// work was shared between replicas, how well requests and facts were batched, how often
// orders were handed back or redelivered) and the pauses (GC, event-loop stalls) that
// make latency tails. Plus resident memory per process from /proc.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { childPids, type Gateway } from '@hookline/local-stack';
import { InstanceStats, type InstanceSnapshot, type Pause } from '@hookline/observability';
import { collectOwnGarbage } from '../lib/own-gc';
import { round } from '../lib/stats';
import type { BenchStack } from './bench-stack';

export type Snapshots = Map<string, InstanceSnapshot>;
export type { Pause };

/** The name the bench's own main thread goes by among the services' pauses. */
export const BENCH_MAIN = 'bench main thread (load client)';

/** What a latency window saw of the bench's own side: its main thread (where the load client times each request) and the gateway's thread. */
export interface OwnSide {
  benchLoopP99: number;
  benchLoopMax: number;
  /** The bench main thread's GC and event-loop stalls of 10 ms or more, as each service watches its own. */
  benchPauses: Pause[];
  /** What passed the requests through the gateway. */
  gateway: Gateway['kind'];
  /** The gateway thread's event-loop delay; none when the gateway is nginx (no event loop of ours). */
  gatewayLoop?: { p99Ms: number; maxMs: number };
}

/**
 * The gateway's part of a latency note: the delay of its thread's event loop (a request
 * through the node:http proxy waits out each stall there), or, for nginx, only its name:
 * it has no event loop of ours to watch, and no number is better than a made-up one.
 */
export function gatewayNote(kind: Gateway['kind'], loop: { p99Ms: number; maxMs: number } | undefined): string {
  if (kind === 'nginx') return 'gateway: nginx';
  return loop ? `the gateway thread's ${round(loop.p99Ms)} ms (max ${round(loop.maxMs)})` : '';
}

/**
 * Starts a latency window: collects the bench's own heap first (the throughput run's
 * garbage is then not collected inside the window), then watches the bench's main thread
 * and the gateway's thread (when the gateway is the node:http proxy) until stop().
 */
export async function watchOwnSide(b: BenchStack): Promise<{ stop(): Promise<OwnSide> }> {
  collectOwnGarbage();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const stats = new InstanceStats();
  stats.start();
  await b.stack.gateway.loopDelay({ reset: true });
  return {
    stop: async () => {
      loop.disable();
      stats.stop();
      const gatewayLoop = await b.stack.gateway.loopDelay();
      return {
        benchLoopP99: round(loop.percentile(99) / 1e6),
        benchLoopMax: round(loop.max / 1e6),
        benchPauses: stats.snapshot().runtime.pauses,
        gateway: b.stack.gateway.kind,
        ...(gatewayLoop ? { gatewayLoop } : {}),
      };
    },
  };
}

/** Each process's pauses that overlap the window [from, to] (epoch ms), the bench's main thread's among them. */
export function pausesIn(after: Snapshots, from: number, to: number, bench: Pause[] = []): Map<string, Pause[]> {
  const out = new Map<string, Pause[]>();
  const inWindow = (ps: Pause[]) => ps.filter((p) => p.at >= from && p.at - p.ms <= to);
  for (const [name, s] of after) {
    const ps = inWindow(s.runtime.pauses);
    if (ps.length > 0) out.set(name, ps);
  }
  const own = inWindow(bench);
  if (own.length > 0) out.set(BENCH_MAIN, own);
  return out;
}

/**
 * Per process: its pauses in the window (count, GC among them, the longest), and how many
 * of the slowest requests (started at `at`, epoch ms, lasting `ms`) were in flight during
 * one of them (a request that waited out a stall of that process).
 */
export function pauseFigures(pauses: Map<string, Pause[]>, slow: { at: number; ms: number }[]) {
  const out: Record<string, { count: number; gc: number; maxMs: number; slowOverlapping: number }> = {};
  for (const [name, ps] of pauses) {
    const overlapping = slow.filter((x) => ps.some((p) => p.at - p.ms < x.at + x.ms && p.at > x.at)).length;
    out[name] = { count: ps.length, gc: ps.filter((p) => p.kind === 'gc').length, maxMs: Math.max(...ps.map((p) => p.ms)), slowOverlapping: overlapping };
  }
  return out;
}

export function pauseText(p: ReturnType<typeof pauseFigures>, slow: number): string {
  const parts = Object.entries(p)
    .sort((a, z) => z[1].slowOverlapping - a[1].slowOverlapping || z[1].maxMs - a[1].maxMs)
    .map(([name, x]) => `${name} ${x.count} (${x.gc} GC, max ${x.maxMs} ms; ${x.slowOverlapping} of the ${slow} slowest in flight during one)`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Every running instance by name: the service, and its replicas as "<service>#2", "#3"… */
export function instances(b: BenchStack): { name: string; url: string; pid?: number }[] {
  const out: { name: string; url: string; pid?: number }[] = [];
  for (const [name, s] of Object.entries(b.stack.services)) {
    if (s.exitCode() === null && s.pid() !== undefined) out.push({ name, url: s.url, pid: s.pid() });
    b.stack.replicas[name as keyof typeof b.stack.replicas].forEach((r, i) => {
      if (r.exitCode() === null && r.pid() !== undefined) out.push({ name: `${name}#${i + 2}`, url: r.url, pid: r.pid() });
    });
  }
  return out;
}

export async function snapshots(b: BenchStack): Promise<Snapshots> {
  const out: Snapshots = new Map();
  await Promise.all(
    instances(b).map(async (i) => {
      try {
        const res = await fetch(`${i.url}/health`);
        const body = (await res.json()) as { instance?: InstanceSnapshot };
        if (body.instance) out.set(i.name, body.instance);
      } catch {
        /* not answering: left out */
      }
    }),
  );
  return out;
}

/** Counter increases per instance between two snapshots (an instance restarted in between counts from zero). */
export function workDelta(before: Snapshots, after: Snapshots): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const [name, a] of after) {
    const b = before.get(name);
    const same = b && b.pid === a.pid;
    const d: Record<string, number> = {};
    for (const [k, v] of Object.entries(a.work)) {
      const n = v - (same ? (b.work[k] ?? 0) : 0);
      if (n !== 0) d[k] = n;
    }
    d['gc.count'] = a.runtime.gc.count - (same ? b.runtime.gc.count : 0);
    d['gc.ms'] = Math.round(a.runtime.gc.totalMs - (same ? b.runtime.gc.totalMs : 0));
    out.set(name, d);
  }
  return out;
}

/** Pauses of at least 10 ms (GC or the event loop held up) per instance between two epoch times. */
export function pausesBetween(after: Snapshots, fromMs: number, toMs: number): Map<string, { count: number; maxMs: number; totalMs: number; gc: number }> {
  const out = new Map<string, { count: number; maxMs: number; totalMs: number; gc: number }>();
  for (const [name, s] of after) {
    const ps = s.runtime.pauses.filter((p) => p.at >= fromMs && p.at <= toMs);
    if (ps.length === 0) continue;
    out.set(name, {
      count: ps.length,
      maxMs: Math.max(...ps.map((p) => p.ms)),
      totalMs: Math.round(ps.reduce((a, p) => a + p.ms, 0)),
      gc: ps.filter((p) => p.kind === 'gc').length,
    });
  }
  return out;
}

/** Kilobytes from a /proc/<pid>/status or smaps_rollup line such as "VmRSS:   123456 kB". */
function kb(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Resident memory of one process in bytes (VmRSS), or 0 when it is gone. */
export function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    return kb(readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS') * 1024;
  } catch {
    return 0;
  }
}

/** Resident bytes of several processes together (nginx's master and worker), each counted whole. */
export function rssOfAll(pids: readonly number[]): number {
  return pids.reduce((a, pid) => a + rssOf(pid), 0);
}

/** Proportional set size (shared pages split between the processes that map them) of a process and its children, in bytes. */
export function pssOfTree(pid: number | undefined, withChildren = true): number {
  if (!pid) return 0;
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      total += kb(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'), 'Pss') * 1024;
    } catch {
      /* gone */
    }
    if (withChildren) stack.push(...childPids(p));
  }
  return total;
}

export interface MemoryReport {
  /**
   * Resident bytes per process: each service instance, the launcher (this bench, which also
   * runs the node:http gateway), nginx (when it is the gateway: master and worker, children
   * of the bench), nats-server; PostgreSQL as the PSS of its processes.
   */
  perProcess: Record<string, number>;
  servicesMax: number;
  total: number;
}

export function memory(b: BenchStack): MemoryReport {
  const perProcess: Record<string, number> = {};
  for (const i of instances(b)) perProcess[i.name] = rssOf(i.pid);
  const groups = b.cpuGroups();
  Object.assign(perProcess, launcherMemory(b.stack.gateway, rssOf(process.pid)));
  perProcess['nats-server'] = rssOf(groups['nats-server']?.pid);
  perProcess.postgres = pssOfTree(groups.postgres?.pid);
  const services = instances(b).map((i) => perProcess[i.name]);
  return { perProcess, servicesMax: Math.max(0, ...services), total: Object.values(perProcess).reduce((a, v) => a + v, 0) };
}

/**
 * The launcher's row, and nginx's when it is the gateway: the node:http proxy is a thread
 * of the launcher (its memory is the launcher's), nginx is processes of its own, which
 * would otherwise be left out of the stack's total.
 */
export function launcherMemory(gateway: Pick<Gateway, 'kind' | 'pids'>, launcherRss: number): Record<string, number> {
  if (gateway.kind === 'node') return { 'launcher (bench, gateway)': launcherRss };
  return { 'launcher (bench)': launcherRss, 'gateway (nginx)': rssOfAll(gateway.pids()) };
}

export const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
/** Unrounded MB (MiB), for a row's value: a target compares it raw, the tables round it. */
export const mib = (bytes: number) => bytes / 1024 / 1024;
