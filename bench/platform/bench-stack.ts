// The platform under test: the whole stack from @hookline/local-stack in a temporary
// folder, plus the bench's own connections to its nats-server, PostgreSQL and gateway.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Pool } from 'undici';
import { CONSUMERS, SERVICE_NAMES } from '@hookline/contracts';
import { freePort, startStack, type Gateway, type Stack } from '@hookline/local-stack';
import { ApiClient } from '@hookline/testing';
import { nowMs, sleep } from '../lib/clock';
import { onCleanup } from '../lib/cleanup';
import { findPid, type CpuGroups } from '../lib/cpu';
import type { BenchOptions } from '../lib/options';

export interface BenchStack {
  stack: Stack;
  dataDir: string;
  operatorToken: string;
  operator: ApiClient;
  /** Keep-alive pool to the gateway for load (POST /v1/events). */
  gateway: Pool;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Superuser URL of the database the services use. */
  databaseUrl: string;
  /** Waits until every platform consumer has nothing pending or unacknowledged. */
  quiet(maxMs: number): Promise<boolean>;
  /** The processes whose CPU time a scenario reports. */
  cpuGroups(): CpuGroups;
  /** Which service each process id seen so far was (profiles are named by pid). */
  servicePids: Map<number, string>;
  /** Where --profile puts the services' CPU profiles. */
  profileDir: string;
  /** With --profile: the services forget what they recorded so far (their start-up). */
  profileFromHere(): void;
}

/** Every durable the platform runs; "quiet" means all of them are caught up. */
export const PLATFORM_CONSUMERS = [
  CONSUMERS.dispatcherEvents,
  CONSUMERS.auditEvents,
  CONSUMERS.dispatcherFirstAttempts,
  CONSUMERS.dispatcherOrders,
  CONSUMERS.retrySchedulerFailed,
  CONSUMERS.retrySchedulerResent,
  CONSUMERS.auditDeliveries,
  CONSUMERS.auditRegistry,
] as const;

export async function consumerBacklog(jsm: JetStreamManager, spec: { stream: string; durable: string }): Promise<{ pending: number; ackPending: number }> {
  try {
    const info = await jsm.consumers.info(spec.stream, spec.durable);
    return { pending: info.num_pending, ackPending: info.num_ack_pending };
  } catch {
    return { pending: 0, ackPending: 0 };
  }
}

/** Waits (up to maxMs) until every platform consumer has nothing pending and nothing unacked; false if it never was. */
export async function platformQuiet(jsm: JetStreamManager, maxMs: number): Promise<boolean> {
  const deadline = nowMs() + maxMs;
  for (;;) {
    const all = await Promise.all(PLATFORM_CONSUMERS.map((c) => consumerBacklog(jsm, c)));
    if (all.every((b) => b.pending === 0 && b.ackPending === 0)) return true;
    if (nowMs() > deadline) return false;
    await sleep(100);
  }
}

/**
 * Messages handed to the dispatcher so far that carry work for it: host events (whose
 * deliveries it attempts at once where the receiver has room), first-attempt orders
 * ("created" facts published on their own) and retries, redeliveries included.
 */
export async function orderHandOuts(jsm: JetStreamManager): Promise<number> {
  return (
    (await consumerDeliveries(jsm, CONSUMERS.dispatcherEvents)) +
    (await consumerDeliveries(jsm, CONSUMERS.dispatcherFirstAttempts)) +
    (await consumerDeliveries(jsm, CONSUMERS.dispatcherOrders))
  );
}

export async function consumerDeliveries(jsm: JetStreamManager, spec: { stream: string; durable: string }): Promise<number> {
  try {
    return (await jsm.consumers.info(spec.stream, spec.durable)).delivered.consumer_seq;
  } catch {
    return NaN;
  }
}

/**
 * Starts nats-server, PostgreSQL (with pg_stat_statements preloaded), the migrations,
 * the six services and the gateway. The services start at once, while the ports the
 * stack picked are still free (they idle through the baselines).
 */
/** `npm run build` (Nx: only what changed since the last build), for a run of the compiled services. */
function buildServices(): void {
  console.log('[bench] building the services (npm run build; Nx reuses what did not change)…');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: join(__dirname, '..', '..'), stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false' } });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status ?? r.signal})`);
}

/**
 * The bench's own process as a CPU group, and the gateway's. The local gateway runs where
 * the stack was started, here the bench: as a thread of it (the node:http proxy, whose CPU
 * is then the bench's), or as nginx, a master and its worker, children of the bench, which
 * get a group of their own (the master's tree: a worker it restarts counts too). The
 * bench's group never takes its tree (every other group is a child of it).
 */
export function ownGroups(gateway: Pick<Gateway, 'kind' | 'pids'>, benchPid: number): CpuGroups {
  if (gateway.kind === 'node') return { 'bench (load, receivers, gateway)': { pid: benchPid, tree: false } };
  return { 'bench (load, receivers)': { pid: benchPid, tree: false }, 'gateway (nginx)': { pid: gateway.pids()[0], tree: true } };
}

export async function startBenchStack(o: BenchOptions): Promise<BenchStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookline-bench-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to reach its folder inside.
  chmodSync(dataDir, 0o755);
  onCleanup('temporary folder', async () => {
    if (o.keep) console.log(`[bench] kept ${dataDir} (logs in ${join(dataDir, 'logs')})`);
    else rmSync(dataDir, { recursive: true, force: true });
  });
  const operatorToken = `op_${randomBytes(24).toString('base64url')}`;
  const profileDir = join(dataDir, 'profiles');
  // nginx says how long it held each request (the listener's latency runs split the time outside the service with it).
  process.env.HOOKLINE_GATEWAY_TIMING ??= '1';
  if (o.compiled) buildServices();
  const stack = await startStack({
    dataDir,
    // /varz on loopback: each scenario's work line says how many broker messages an attempt cost.
    natsMonitorPort: await freePort(),
    compiled: o.compiled,
    fastPostgres: o.fastPostgres,
    postgresSettings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all', max_connections: 300 },
    env: {
      HOOKLINE_OPERATOR_TOKEN: operatorToken,
      HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
      HOOKLINE_EGRESS_DEADLINE: o.egressDeadline,
      // HOOKLINE_BENCH_LOG_LEVEL=debug (with --keep) to read what the services did.
      HOOKLINE_LOG_LEVEL: process.env.HOOKLINE_BENCH_LOG_LEVEL ?? 'warn',
      HOOKLINE_SHUTDOWN_GRACE: '5s',
      ...(o.profile ? { NODE_OPTIONS: `--require ${join(__dirname, '..', 'lib', 'profile-hook.js')}`, HOOKLINE_BENCH_PROFILE_DIR: profileDir } : {}),
      // Node flags for the services, e.g. --heapsnapshot-signal=SIGUSR2 (not with --profile, which sets its own).
      ...(!o.profile && process.env.HOOKLINE_BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.HOOKLINE_BENCH_NODE_OPTIONS } : {}),
    },
  });
  onCleanup('stack (services, gateway, PostgreSQL, nats-server)', () => stack.stop());
  // noAsyncTraces: no Error (with its stack) made up front for every request and publish.
  const nc = await connect({ servers: stack.nats.url, name: 'bench', noAsyncTraces: true });
  onCleanup('bench NATS connection', () => nc.drain().catch(() => nc.close()));
  const gateway = new Pool(stack.url, { connections: 256, pipelining: 1 });
  onCleanup('gateway pool', () => gateway.close());
  const jsm = await jetstreamManager(nc);
  const bench: BenchStack = {
    stack,
    dataDir,
    operatorToken,
    operator: new ApiClient(stack.url, operatorToken),
    gateway,
    nc,
    js: jetstream(nc, { timeout: 10_000 }),
    jsm,
    databaseUrl: stack.databaseUrl,
    servicePids: new Map(),
    profileDir,
    profileFromHere() {
      if (!o.profile) return;
      for (const n of SERVICE_NAMES) {
        for (const s of [stack.services[n], ...stack.replicas[n]]) {
          const pid = s.pid();
          if (pid !== undefined && s.exitCode() === null) process.kill(pid, 'SIGUSR2');
        }
      }
    },
    cpuGroups() {
      const groups: CpuGroups = {};
      for (const n of SERVICE_NAMES) {
        const pid = stack.services[n].pid();
        if (pid !== undefined) bench.servicePids.set(pid, n);
        groups[n] = { pid, tree: true };
        stack.replicas[n].forEach((r, i) => {
          const rpid = r.exitCode() === null ? r.pid() : undefined;
          if (rpid === undefined) return;
          bench.servicePids.set(rpid, `${n}#${i + 2}`);
          groups[`${n}#${i + 2}`] = { pid: rpid, tree: true };
        });
      }
      groups['nats-server'] = { pid: findPid(['nats-server', `-p ${stack.nats.port}`]), tree: true };
      const pidFile = stack.postgres ? join(stack.postgres.dataDir, 'pgdata', 'postmaster.pid') : undefined;
      const pgPid = pidFile && existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
      groups.postgres = { pid: pgPid, tree: true };
      Object.assign(groups, ownGroups(stack.gateway, process.pid));
      return groups;
    },
    quiet: (maxMs) => platformQuiet(jsm, maxMs),
  };
  bench.cpuGroups();
  return bench;
}
