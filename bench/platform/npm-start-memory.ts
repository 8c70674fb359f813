// The memory of the stack a user starts: `npm start` itself (deploy/local/start.mjs: its
// launcher, nginx as its gateway when the machine has it, the six services, NATS,
// PostgreSQL and the integrations demo), in a data folder and on ports of its own,
// measured idle and stopped again before the bench starts its own stack. The bench's
// stack cannot stand in for it: its launcher is this process, which also holds the load
// clients and the receivers.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childPids, commOf, freePort, freePortBlock } from '@hookline/local-stack';
import { launchNpmStart } from '@hookline/testing';
import type { Results } from '../lib/results';
import { mb, pssOfTree, rssOf, rssOfAll } from './instances';

interface StatusProcess {
  name: string;
  kind: string;
  pid: number | null;
}

export interface StackMemory {
  /** Bytes per process: resident size, PostgreSQL (its many processes share pages) as PSS. */
  perProcess: Record<string, number>;
  /** Proportional set size per process: shared pages (the node binary's) split among the processes that map them. */
  pssPerProcess: Record<string, number>;
  servicesMax: number;
  total: number;
  pssTotal: number;
}

/**
 * nginx's processes under the launcher (its master, which the launcher starts as the
 * gateway, and the master's worker), which /health does not list: the launcher's
 * descendants named nginx, found from /proc. None with the node:http gateway (a thread
 * of the launcher).
 */
export function nginxUnder(launcherPid: number, comm: (pid: number) => string | undefined = commOf, children: (pid: number) => number[] = childPids): number[] {
  const out: number[] = [];
  const stack = [...children(launcherPid)];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    if (comm(p) === 'nginx') out.push(p);
    stack.push(...children(p));
  }
  return out.sort((a, z) => a - z);
}

/**
 * The memory of an `npm start` stack now, from the launcher's pid and the processes its
 * /health lists, and nginx (when it is the gateway) found under the launcher.
 */
export function stackMemory(launcherPid: number, processes: readonly StatusProcess[], nginx: readonly number[] = nginxUnder(launcherPid)): StackMemory {
  const perProcess: Record<string, number> = { launcher: rssOf(launcherPid) };
  const pssPerProcess: Record<string, number> = { launcher: pssOfTree(launcherPid, false) };
  const services: number[] = [];
  for (const p of processes) {
    if (!p.pid) continue;
    const pss = pssOfTree(p.pid, p.kind === 'postgres');
    pssPerProcess[p.name] = pss;
    perProcess[p.name] = p.kind === 'postgres' ? pss : rssOf(p.pid);
    if (p.kind === 'service') services.push(perProcess[p.name]);
  }
  // nginx as one row (its master and worker), as the launcher: resident sizes, and PSS
  // apart. A pid /health already lists is not counted twice.
  const listed = new Set(processes.map((p) => p.pid));
  const gateway = nginx.filter((pid) => !listed.has(pid));
  if (gateway.length > 0) {
    perProcess['gateway (nginx)'] = rssOfAll(gateway);
    pssPerProcess['gateway (nginx)'] = gateway.reduce((a, pid) => a + pssOfTree(pid, false), 0);
  }
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, v) => a + v, 0);
  return { perProcess, pssPerProcess, servicesMax: Math.max(0, ...services), total: sum(perProcess), pssTotal: sum(pssPerProcess) };
}

/** Starts `npm start`, waits until it is idle (as the bench's own idle row does), measures, stops it. */
export async function npmStartMemory(results: Results, idleMs: number): Promise<void> {
  // Reachable by the postgres user (PostgreSQL runs as it when we are root), so the cluster stays inside.
  const parent = mkdtempSync(join(tmpdir(), 'hookline-bench-start-'));
  chmodSync(parent, 0o711);
  const httpPort = await freePortBlock(10);
  const started = Date.now();
  const running = await launchNpmStart({
    HOOKLINE_DATA_DIR: join(parent, '.data'),
    HOOKLINE_HTTP_PORT: String(httpPort),
    HOOKLINE_LOCAL_NATS_PORT: String(await freePort()),
    HOOKLINE_LOCAL_PG_PORT: String(await freePort()),
    HOOKLINE_RUN_COMPILED: '1',
    HOOKLINE_SHUTDOWN_GRACE: '3s',
  });
  try {
    console.log(`[bench]     npm start printed its banner after ${((Date.now() - started) / 1000).toFixed(1)} s; measuring ${idleMs / 1000} s later`);
    await new Promise((r) => setTimeout(r, idleMs));
    const health = (await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json()) as { status: string; processes: StatusProcess[] };
    if (health.status !== 'ok') throw new Error(`npm start's stack is ${health.status}: ${JSON.stringify(health.processes)}`);
    const m = stackMemory(running.child.pid as number, health.processes);
    const parts = (r: Record<string, number>) =>
      Object.entries(r)
        .sort((a, z) => z[1] - a[1])
        .map(([k, v]) => `${k} ${mb(v)}`)
        .join(', ');
    const consoleBuilding = running.output().includes('being built now') && !running.output().includes('console built');
    results.add({
      id: 'platform.memory.npmStart',
      section: 'platform',
      label: 'memory idle under npm start (its launcher and gateway, six services, NATS, PostgreSQL; nothing done yet): the largest service / the whole stack (MB resident; PostgreSQL as PSS)',
      value: mb(m.servicesMax),
      unit: 'MB',
      note:
        `stack ${mb(m.total)} MB: ${parts(m.perProcess)}; as PSS (the node binary's pages shared, counted once) ${mb(m.pssTotal)} MB: ${parts(m.pssPerProcess)}` +
        (consoleBuilding ? '; the console was being built meanwhile (not counted)' : ''),
      extra: { perProcessBytes: m.perProcess, pssPerProcessBytes: m.pssPerProcess, totalBytes: m.total, pssTotalBytes: m.pssTotal, servicesMaxBytes: m.servicesMax },
    });
  } finally {
    const code = await running.stop();
    if (code !== 0) console.warn(`[bench]     npm start exited with ${code} when stopped:\n${running.output().slice(-2000)}`);
    rmSync(parent, { recursive: true, force: true });
  }
}
