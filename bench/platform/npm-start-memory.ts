// The memory of the stack a user starts: `npm start` itself (deploy/local/start.mjs: its
// launcher, nginx as its gateway when the machine has it, the six services, NATS,
// PostgreSQL and the integrations demo), in a data folder and on ports of its own,
// measured idle, then after delivering webhooks through it as a user would (POST
// /v1/events through its gateway to a receiver on loopback), and stopped again before the
// bench starts its own stack. The bench's stack cannot stand in for it: its launcher is
// this process, which also holds the load clients and the receivers.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Pool } from 'undici';
import { SERVICE_NAMES } from '@hookline/contracts';
import { childPids, commOf, freePort, freePortBlock } from '@hookline/local-stack';
import { ApiClient, launchNpmStart } from '@hookline/testing';
import { nowMs } from '../lib/clock';
import { closedLoop } from '../lib/load';
import { eventData } from '../lib/payload';
import type { Results } from '../lib/results';
import { rate, round } from '../lib/stats';
import { platformQuiet } from './bench-stack';
import { mb, mib, pssOfTree, rssOf, rssOfAll } from './instances';

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

/** How many webhooks the after-load reading delivers through `npm start`'s stack first, and how many POSTs are outstanding at once. */
export const NPM_START_LOAD = { events: 10_000, concurrency: 32, maxMs: 120_000 };

/** When the stack is read again after the load, for what V8 gives back by itself. */
const NPM_START_SETTLED_MS = 30_000;

const parts = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, z) => z[1] - a[1])
    .map(([k, v]) => `${k} ${mb(v)}`)
    .join(', ');

/** The stack's processes now, from its /health; throws unless every one is up. */
async function measure(httpPort: number, launcherPid: number): Promise<StackMemory & { processes: StatusProcess[] }> {
  const health = (await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json()) as { status: string; processes: StatusProcess[] };
  if (health.status !== 'ok') throw new Error(`npm start's stack is ${health.status}: ${JSON.stringify(health.processes)}`);
  return { ...stackMemory(launcherPid, health.processes), processes: health.processes };
}

/** Each service's V8 heap (used of held) and external memory from its own GET /health (service i listens on the HTTP port + 1 + i under npm start). */
async function v8Of(httpPort: number, processes: readonly StatusProcess[]): Promise<string> {
  const out: string[] = [];
  for (const [i, name] of SERVICE_NAMES.entries()) {
    const pid = processes.find((p) => p.name === name)?.pid;
    try {
      const h = (await (await fetch(`http://127.0.0.1:${httpPort + 1 + i}/health`)).json()) as { instance?: { pid?: number; runtime?: { heapUsedBytes: number; heapTotalBytes: number; externalBytes: number } } };
      const r = h.instance?.runtime;
      if (r && h.instance?.pid === pid) out.push(`${name} heap ${mb(r.heapUsedBytes)}/${mb(r.heapTotalBytes)}, external ${mb(r.externalBytes)}`);
    } catch {
      // Not there: said by its absence.
    }
  }
  return out.join('; ');
}

/** A bare loopback receiver answering 204 to every webhook, telling who waits for event `seq` (its data's `seq`) when it arrives. */
export async function waitingReceiver(): Promise<{ server: Server; url: string; received(): number; arrival(seq: number): Promise<void> }> {
  const waiting = new Map<number, () => void>();
  const arrived = new Set<number>();
  let received = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
      if (req.method !== 'POST') return;
      received++;
      let seq: unknown;
      try {
        seq = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { seq?: unknown } }).data?.seq;
      } catch {
        return;
      }
      if (typeof seq !== 'number') return;
      arrived.add(seq);
      waiting.get(seq)?.();
      waiting.delete(seq);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}/hook`,
    received: () => received,
    arrival: (seq) => (arrived.has(seq) ? Promise.resolve() : new Promise<void>((resolve) => waiting.set(seq, resolve))),
  };
}

/**
 * Delivers `events` webhooks through a running `npm start` as a user would, shaped like
 * the bench's delivered scenario: a tenant, a topic, an account allowed to receive it and
 * a WebSub-signed receiver on loopback (the local stack allows loopback egress), then
 * POST /v1/events through its gateway with at most `concurrency` events outstanding (an
 * event is outstanding until its webhook has arrived). Returns once every consumer of the
 * platform is caught up (the audit log has logged them all), so what is read next is what
 * the stack holds after the work, not during it.
 */
export async function deliverThroughNpmStart(httpPort: number, natsPort: number, token: string, load = NPM_START_LOAD): Promise<{ delivered: number; seconds: number; rate: number }> {
  const base = `http://127.0.0.1:${httpPort}`;
  const api = new ApiClient(base, token);
  const receiver = await waitingReceiver();
  const pool = new Pool(base, { connections: load.concurrency });
  const nc = await connect({ servers: `nats://127.0.0.1:${natsPort}`, name: 'bench npm-start load' });
  try {
    const tenant = `bench-npm-start-${randomBytes(3).toString('hex')}`;
    const topic = 'Bench.NpmStart';
    const ok = (res: { status: number; text: string }, status: number, what: string) => {
      if (res.status !== status) throw new Error(`npm start load: ${what} answered ${res.status}: ${res.text.slice(0, 300)}`);
    };
    ok(await api.post('/v1/tenants', { id: tenant, name: 'Bench npm start' }), 201, 'create tenant');
    ok(await api.post('/v1/topics', { tenant, name: topic }), 201, 'create topic');
    const account = await api.post('/v1/accounts', { tenant, name: 'bench-receiver', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] });
    ok(account, 201, 'create account');
    ok(await api.post('/v1/receivers', { tenant, name: 'bench', url: receiver.url, topics: [topic], accountId: String(account.body.account.id), auth: { protocol: 'websub', algorithm: 'sha256' } }), 201, 'create receiver');
    const started = nowMs();
    const sent = await closedLoop({
      concurrency: load.concurrency,
      maxOps: load.events,
      maxMs: load.maxMs,
      op: async (i) => {
        const res = await pool.request({
          path: '/v1/events',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ tenant, topic, object: { type: 'order', id: String(i) }, data: eventData(i, nowMs()) }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 202) throw new Error(`POST /v1/events: ${res.statusCode} ${text.slice(0, 200)}`);
        await receiver.arrival(i);
      },
    });
    if (sent.errors > 0 || sent.ops < load.events) throw new Error(`npm start load: ${sent.ops} of ${load.events} events delivered in ${load.maxMs / 1000} s, ${sent.errors} refused (${sent.firstError ?? 'out of time'})`);
    const seconds = (nowMs() - started) / 1000;
    const jsm = await jetstreamManager(nc);
    if (!(await platformQuiet(jsm, 60_000))) throw new Error('npm start load: the platform was not caught up 60 s after the last webhook arrived');
    return { delivered: receiver.received(), seconds, rate: round(rate(sent.ops, seconds * 1000), 1) };
  } finally {
    await nc.close();
    await pool.close();
    await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
  }
}

/** Starts `npm start`, waits until it is idle (as the bench's own idle row does), measures, delivers webhooks through it, measures again, stops it. */
export async function npmStartMemory(results: Results, idleMs: number): Promise<void> {
  // Reachable by the postgres user (PostgreSQL runs as it when we are root), so the cluster stays inside.
  const parent = mkdtempSync(join(tmpdir(), 'hookline-bench-start-'));
  chmodSync(parent, 0o711);
  const httpPort = await freePortBlock(10);
  const natsPort = await freePort();
  // Given, as a user may give it (else npm start makes one and keeps it in the data folder): the load below calls the API with it.
  const token = `op_${randomBytes(24).toString('base64url')}`;
  const started = Date.now();
  const running = await launchNpmStart({
    HOOKLINE_DATA_DIR: join(parent, '.data'),
    HOOKLINE_HTTP_PORT: String(httpPort),
    HOOKLINE_LOCAL_NATS_PORT: String(natsPort),
    HOOKLINE_LOCAL_PG_PORT: String(await freePort()),
    HOOKLINE_RUN_COMPILED: '1',
    HOOKLINE_SHUTDOWN_GRACE: '3s',
    HOOKLINE_OPERATOR_TOKEN: token,
  });
  try {
    console.log(`[bench]     npm start printed its banner after ${((Date.now() - started) / 1000).toFixed(1)} s; measuring ${idleMs / 1000} s later`);
    await new Promise((r) => setTimeout(r, idleMs));
    const launcher = running.child.pid as number;
    const m = await measure(httpPort, launcher);
    const consoleBuilding = running.output().includes('being built now') && !running.output().includes('console built');
    results.add({
      id: 'platform.memory.npmStart',
      section: 'platform',
      label: 'memory idle under npm start (its launcher and gateway, six services, NATS, PostgreSQL; nothing done yet): the largest service / the whole stack (MB resident; PostgreSQL as PSS)',
      value: mib(m.servicesMax),
      unit: 'MB',
      note:
        `stack ${mb(m.total)} MB: ${parts(m.perProcess)}; as PSS (the node binary's pages shared, counted once) ${mb(m.pssTotal)} MB: ${parts(m.pssPerProcess)}` +
        (consoleBuilding ? '; the console was being built meanwhile (not counted)' : ''),
      extra: { perProcessBytes: m.perProcess, pssPerProcessBytes: m.pssPerProcess, totalBytes: m.total, pssTotalBytes: m.pssTotal, servicesMaxBytes: m.servicesMax },
    });
    const load = await deliverThroughNpmStart(httpPort, natsPort, token);
    console.log(`[bench]     delivered ${load.delivered} webhooks through npm start's gateway in ${load.seconds.toFixed(1)} s (${load.rate}/s, POST /v1/events, at most ${NPM_START_LOAD.concurrency} events outstanding)`);
    const after = await measure(httpPort, launcher);
    const afterV8 = await v8Of(httpPort, after.processes);
    // What V8 gives back by itself once the work is over (its memory reducer): read again, not a target.
    await new Promise((r) => setTimeout(r, NPM_START_SETTLED_MS));
    const later = await measure(httpPort, launcher);
    const laterV8 = await v8Of(httpPort, later.processes);
    results.add({
      id: 'platform.memory.npmStart.loaded',
      section: 'platform',
      label: `memory under npm start after delivering ${load.delivered} webhooks through it (POST /v1/events via its gateway, one receiver on loopback, at most ${NPM_START_LOAD.concurrency} events outstanding until their webhook arrived, as in the delivered scenario; every consumer caught up): the largest service / the whole stack (MB resident; PostgreSQL as PSS)`,
      value: mib(after.servicesMax),
      unit: 'MB',
      note:
        `stack ${mb(after.total)} MB: ${parts(after.perProcess)}; as PSS ${mb(after.pssTotal)} MB: ${parts(after.pssPerProcess)}. V8 (MB used/held): ${afterV8}. ` +
        `${NPM_START_SETTLED_MS / 1000} s later, nothing done meanwhile: the largest service ${mb(later.servicesMax)} MB, stack ${mb(later.total)} MB: ${parts(later.perProcess)}; V8: ${laterV8}. ${load.rate} webhooks/s`,
      extra: {
        perProcessBytes: after.perProcess,
        pssPerProcessBytes: after.pssPerProcess,
        totalBytes: after.total,
        pssTotalBytes: after.pssTotal,
        servicesMaxBytes: after.servicesMax,
        delivered: load.delivered,
        seconds: load.seconds,
        settled: { afterMs: NPM_START_SETTLED_MS, perProcessBytes: later.perProcess, totalBytes: later.total, servicesMaxBytes: later.servicesMax },
      },
    });
  } finally {
    const code = await running.stop();
    if (code !== 0) console.warn(`[bench]     npm start exited with ${code} when stopped:\n${running.output().slice(-2000)}`);
    rmSync(parent, { recursive: true, force: true });
  }
}
