// `npm run bench`: baselines on this machine, then the platform, then a table of ratios
// and targets, written to bench/results/. Everything it starts is stopped at the end,
// on an error and on Ctrl-C. All traffic stays on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Client } from 'pg';
import { httpBaselines } from './baselines/http';
import { jetstreamBaselines } from './baselines/jetstream';
import { postgresBaselines } from './baselines/postgres';
import { queueWorkerBaseline } from './baselines/queue-worker';
import { cleanup, installSignalHandlers, onCleanup } from './lib/cleanup';
import { nowMs } from './lib/clock';
import { parseOptions, type BenchOptions } from './lib/options';
import { profilesIn, summarizeProfile, type ProfileSummary } from './lib/profile';
import { ReceiverFarm } from './lib/receiver-farm';
import { Results, type RunResult } from './lib/results';
import { startBenchStack } from './platform/bench-stack';
import { listenerIngest } from './platform/listener';
import { PgStats } from './platform/pg-stats';
import { SERVICE_NAMES } from '@hookline/contracts';
import { npmStartMemory } from './platform/npm-start-memory';
import { accepted, backlog, delivered, fanout, isolation, latency, memoryRow, replicas, type Ctx } from './platform/scenarios';
import { machine, machineLine, saveResults, tables, targets, updateReadme } from './report';

async function postgresVersion(url: string): Promise<string> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const r = await db.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v");
    return r.rows[0]?.v ?? 'PostgreSQL';
  } finally {
    await db.end();
  }
}

/**
 * How long after a stack is ready its idle memory is read. Each service collects its
 * startup garbage once, 10 s after it listens, and the pages go back to the system some
 * time after that: 14 s after ready some services had not given them back yet (the
 * dispatcher and retry-scheduler 104 MB, 92-93 MB a few seconds later and from then on).
 */
const IDLE_AFTER_READY_MS = 30_000;

async function step(name: string, o: BenchOptions, results: Results, fn: () => Promise<void>): Promise<void> {
  if (o.skip.has(name)) return;
  const started = nowMs();
  const firstError = results.errors.length;
  console.log(`[bench] ${name}…`);
  try {
    await fn();
  } catch (err) {
    results.errors.push(`${name}: ${(err as Error).stack ?? String(err)}`);
    console.error(`[bench] ${name} failed: ${(err as Error).message}`);
  }
  // The errors this step recorded make the targets that read it MISS (report.ts).
  results.attribute(name, firstError);
  console.log(`[bench] ${name} took ${((nowMs() - started) / 1000).toFixed(1)} s`);
}

/** The table of a results file written before, without measuring anything. */
function render(o: BenchOptions & { render?: string }): void {
  const run = JSON.parse(readFileSync(o.render as string, 'utf8')) as RunResult;
  const results = new Results();
  results.rows.push(...run.rows);
  const table = tables(results, run.targets);
  console.log(`Hookline benchmarks — ${machineLine(run.machine)}\n\n${table}`);
  if (o.updateReadme) console.log(updateReadme(run, table) ? '[bench] README.md Benchmarks table updated' : '[bench] README.md has no bench markers; not updated');
}

async function main(): Promise<void> {
  let o: BenchOptions;
  try {
    o = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  if (o.render) {
    render(o);
    return;
  }
  installSignalHandlers();
  // The nats-server npm start and npm test use: a newer one than Debian 12's when the machine has only that.
  const { ensureNewNatsServer } = await import('../deploy/local/nats-debian.mjs');
  await ensureNewNatsServer();
  const startedAt = new Date();
  const t0 = nowMs();
  const results = new Results();
  console.log(`[bench] ${o.quick ? 'quick' : 'full'} run; starting the stack (nats-server, PostgreSQL, six services)…`);

  // npm start's own stack first, alone on the machine, and stopped before the bench's starts.
  await step('npm-start', o, results, () => npmStartMemory(results, IDLE_AFTER_READY_MS));

  const s0 = nowMs();
  const b = await startBenchStack(o);
  console.log(`[bench] stack ready in ${((nowMs() - s0) / 1000).toFixed(1)} s`);
  const farm = new ReceiverFarm();
  onCleanup('receivers', () => farm.close());
  const pgAdmin = b.stack.postgres?.url() ?? b.databaseUrl;
  const m = machine(await postgresVersion(pgAdmin));
  console.log(`[bench] machine: ${machineLine(m)}`);
  // Idle: started, ready, and nothing asked of them yet; at rest, so after each service's
  // one collection of its startup garbage (10 s after it listens, libs/http startup-gc.ts).
  await new Promise((r) => setTimeout(r, IDLE_AFTER_READY_MS));
  await memoryRow({ o, b, results } as Ctx, 'platform.memory.idle', 'idle (started, nothing done yet)');

  // Baselines: the same machine, the same nats-server and PostgreSQL; the services are idle.
  await step('http', o, results, () => httpBaselines(o, farm, results));
  await step('jetstream', o, results, () => jetstreamBaselines(o, b.stack.nats.url, results));
  await step('postgres', o, results, async () => {
    const url = b.stack.postgres ? await b.stack.postgres.createDatabase('bench_baseline') : b.databaseUrl;
    await postgresBaselines(o, url, results);
  });
  await step('queue', o, results, async () => {
    const url = b.stack.postgres ? await b.stack.postgres.createDatabase('bench_queue') : b.databaseUrl;
    await queueWorkerBaseline(o, farm, url, () => b.cpuGroups(), results);
  });

  const platform = ['accepted', 'listener', 'delivered', 'latency', 'fanout', 'isolation', 'replicas', 'backlog'].filter((s) => !o.skip.has(s));
  let pgMethod: string | undefined;
  if (platform.length > 0) {
    b.profileFromHere();
    const pg = await PgStats.open(b.databaseUrl);
    onCleanup('statistics connection', () => pg.close());
    pgMethod = pg.how;
    const ctx: Ctx = { o, b, farm, results, pg };
    await step('accepted', o, results, () => accepted(ctx));
    await step('listener', o, results, () => listenerIngest(ctx));
    await step('delivered', o, results, () => delivered(ctx));
    await step('latency', o, results, () => latency(ctx));
    await step('fanout', o, results, () => fanout(ctx));
    await step('isolation', o, results, () => isolation(ctx));
    await step('replicas', o, results, () => replicas(ctx));
    // Last: a backlog that does not drain in time would otherwise spill into what follows.
    await step('backlog', o, results, () => backlog(ctx));
  }

  const profiles: (ProfileSummary & { service: string })[] = [];
  if (o.profile && platform.length > 0) {
    // V8 writes a profile when its process exits.
    await Promise.all(SERVICE_NAMES.map((n) => b.stack.services[n].stop()));
    for (const file of profilesIn(b.profileDir)) {
      const p = summarizeProfile(file);
      const service = b.servicePids.get(p.pid) ?? `pid ${p.pid}`;
      profiles.push({ ...p, service });
      console.log(`\n[bench] profile of ${service} (${(p.totalMs / 1000).toFixed(1)} s on CPU during the scenarios)`);
      console.log(`  by area:     ${p.byArea.map((a) => `${a.area} ${a.pct}%`).join(', ')}`);
      for (const f of p.byFunction) console.log(`  ${String(f.pct).padStart(5)}%  ${f.name}`);
    }
  }

  const ts = targets(results, o.feed, o.compiled);
  const table = tables(results, ts);
  const run: RunResult = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationSeconds: Math.round((nowMs() - t0) / 1000),
    quick: o.quick,
    options: { ...o, skip: [...o.skip] },
    machine: m,
    rows: results.rows,
    targets: ts,
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    pgStatementsMethod: pgMethod,
    errors: results.errors,
    errorSteps: results.errors.map((_, i) => results.errorSteps[i] ?? null),
    ...(profiles.length > 0 ? { profiles } : {}),
  };
  console.log(`\nHookline benchmarks — ${machineLine(m)}\n`);
  console.log(table);
  if (pgMethod) console.log(`\nPostgreSQL statements counted with ${pgMethod}.`);
  if (results.errors.length > 0) {
    console.log(`\n${results.errors.length} problem(s):`);
    for (const e of results.errors) console.log(`  - ${e}`);
  }
  if (o.save) console.log(`\n[bench] results: ${saveResults(run)} (and bench/results/${o.quick ? 'latest-quick' : 'latest'}.json)`);
  if (o.updateReadme) console.log(updateReadme(run, table) ? '[bench] README.md Benchmarks table updated' : '[bench] README.md has no bench markers; not updated');
  if (results.errors.length > 0) process.exitCode = 1;
}

main()
  .catch((err: unknown) => {
    console.error(`[bench] failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    console.log('[bench] stopping everything the bench started…');
    await cleanup();
    // Nothing of ours is left running; leftover handles (keep-alive sockets) must not hold the exit.
    setTimeout(() => process.exit(), 1000).unref();
  });
