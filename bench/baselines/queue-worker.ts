// The plain design Hookline is measured against: a job queue in PostgreSQL, a worker in the
// same process signing with an in-process HMAC, one PostgreSQL row per delivery. Issue 15
// names it ("a job queue, an in-process HMAC, one PostgreSQL row per delivery"); it runs
// here, on the same machine, PostgreSQL and receivers, so the comparison is made in each run
// rather than quoted from elsewhere.
//
// It is written as a careful team would write it, not as a straw man: jobs are claimed in
// batches with FOR UPDATE SKIP LOCKED (a crashed worker's claim runs out and the job comes
// back), LISTEN/NOTIFY wakes the worker at once, 32 attempts are in flight at a time, and
// each attempt's outcome is one statement (the log row inserted, the job deleted). What it
// leaves out that Hookline keeps: an event log that can be replayed, retries with backoff,
// per-receiver fairness, a signer that is the only holder of secrets, and the receivers'
// configuration read from a registry.
import { createHmac } from 'node:crypto';
import { Client, Pool } from 'pg';
import { Agent } from 'undici';
import { nowMs, sleep } from '../lib/clock';
import { cpuDelta, sampleCpu, type CpuGroups } from '../lib/cpu';
import { rawBody } from '../lib/payload';
import type { ReceiverFarm } from '../lib/receiver-farm';
import { rate, round } from '../lib/stats';
import { feedWindowed } from '../platform/feed';
import { vacuumEverything } from '../platform/pg-stats';
import type { BenchOptions } from '../lib/options';
import type { Results } from '../lib/results';

const SECRET = 'queue-worker-bench-secret';
const IN_FLIGHT = 32;
const CLAIM_MS = 30_000;

const SCHEMA = [
  'DROP TABLE IF EXISTS qw_jobs, qw_deliveries',
  `CREATE TABLE qw_jobs (
     id bigserial PRIMARY KEY,
     target text NOT NULL,
     body text NOT NULL,
     attempts int NOT NULL DEFAULT 0,
     run_at timestamptz NOT NULL DEFAULT now(),
     claimed_until timestamptz
   )`,
  'CREATE INDEX qw_jobs_due ON qw_jobs (run_at, id)',
  `CREATE TABLE qw_deliveries (
     id bigserial PRIMARY KEY,
     job_id bigint NOT NULL,
     target text NOT NULL,
     status int NOT NULL,
     duration_ms real NOT NULL,
     delivered_at timestamptz NOT NULL DEFAULT now()
   )`,
];

const CLAIM = `UPDATE qw_jobs SET claimed_until = now() + make_interval(secs => $2::int / 1000.0), attempts = attempts + 1
  WHERE id IN (
    SELECT id FROM qw_jobs
    WHERE run_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
    ORDER BY run_at, id
    FOR UPDATE SKIP LOCKED
    LIMIT $1)
  RETURNING id, target, body`;

const DONE = `WITH done AS (DELETE FROM qw_jobs WHERE id = $1)
  INSERT INTO qw_deliveries (job_id, target, status, duration_ms) VALUES ($1, $2, $3, $4)`;

interface Job {
  id: string;
  target: string;
  body: string;
}

/** The worker: claims due jobs while it has room, attempts each, and records its outcome. */
class QueueWorker {
  private inFlight = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** Set when there may be work (a job enqueued, an attempt finished) and nobody was waiting. */
  private poked = false;
  errors = 0;
  firstError: string | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly http: Agent,
  ) {}

  notify(): void {
    this.poked = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const room = IN_FLIGHT - this.inFlight;
      const jobs = room > 0 ? (await this.pool.query<Job>(CLAIM, [room, CLAIM_MS])).rows : [];
      for (const job of jobs) {
        this.inFlight++;
        void this.attempt(job).finally(() => {
          this.inFlight--;
          this.notify();
        });
      }
      if (jobs.length === 0 || this.inFlight >= IN_FLIGHT) await this.idle(jobs.length === 0 ? 50 : 1000);
    }
  }

  stop(): void {
    this.stopped = true;
    this.notify();
  }

  private idle(ms: number): Promise<void> {
    if (this.poked) {
      this.poked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // Either way it ends, the wake-up goes with it: a stale one would swallow a later poke.
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        this.poked = false;
        done();
      };
    });
  }

  private async attempt(job: Job): Promise<void> {
    const started = nowMs();
    try {
      const url = new URL(job.target);
      const signature = `sha256=${createHmac('sha256', SECRET).update(job.body).digest('hex')}`;
      const res = await this.http.request({
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signature, 'hookline-delivery-id': `qw-${job.id}` },
        body: job.body,
      });
      await res.body.dump();
      await this.pool.query(DONE, [job.id, job.target, res.statusCode, nowMs() - started]);
    } catch (err) {
      this.errors++;
      this.firstError ??= (err as Error).message;
    }
  }
}

export async function queueWorkerBaseline(o: BenchOptions, farm: ReceiverFarm, databaseUrl: string, cpuGroups: () => CpuGroups, results: Results): Promise<void> {
  const [receiver] = await farm.add(1);
  await farm.configure(receiver.index, { secret: SECRET });
  const setup = new Client({ connectionString: databaseUrl });
  await setup.connect();
  for (const sql of SCHEMA) await setup.query(sql);
  await setup.end();

  const pool = new Pool({ connectionString: databaseUrl, max: 16 });
  const listen = new Client({ connectionString: databaseUrl });
  const http = new Agent({ connections: IN_FLIGHT, pipelining: 1, keepAliveTimeout: 30_000 });
  const worker = new QueueWorker(pool, http);
  await listen.connect();
  await listen.query('LISTEN qw_jobs');
  listen.on('notification', () => worker.notify());
  const running = worker.run();
  // The producer: what a host application does to send one webhook. The job is committed
  // (durable) before the call returns, as an awaited JetStream publish is.
  const enqueue = async (i: number) => {
    await pool.query("WITH j AS (INSERT INTO qw_jobs (target, body) VALUES ($1, $2)) SELECT pg_notify('qw_jobs', '')", [receiver.url, rawBody(i, nowMs())]);
  };
  const feed = (first: number, total: number) =>
    feedWindowed({
      total,
      window: o.window,
      perEvent: 1,
      maxMs: o.scenarioSeconds * 1000,
      publish: (i) => enqueue(first + i),
      received: () => farm.unique([receiver.index]),
      lastReceivedAt: () => farm.lastAt([receiver.index]),
      progress: (ms) => farm.progress(ms),
    });
  const logged = async () => {
    const deadline = nowMs() + 30_000;
    for (;;) {
      const r = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM qw_jobs');
      if (Number(r.rows[0]?.n) === 0 || nowMs() > deadline) return nowMs();
      await sleep(10);
    }
  };
  try {
    // Warmed up as the platform's delivered scenario is, half as many first.
    await feed(5_000_000, Math.ceil(o.delivered / 2));
    await logged();
    // As before each of the platform's windows: no autovacuum of the warm-up's rows inside this one.
    await vacuumEverything(databaseUrl);
    const cpu0 = sampleCpu(cpuGroups());
    const f = await feed(0, o.delivered);
    const loggedAt = await logged();
    const seconds = cpuDelta(cpu0, sampleCpu(cpuGroups()));
    const ms = (k: string) => (f.delivered > 0 ? round(((seconds[k] ?? 0) * 1000) / f.delivered, 3) : NaN);
    const total = f.delivered > 0 ? round((Object.values(seconds).reduce((a, v) => a + v, 0) * 1000) / f.delivered, 2) : NaN;
    const counts = farm.counts(receiver.index);
    const rows = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM qw_deliveries');
    const loggedRows = Number(rows.rows[0]?.n ?? 0);
    const benchKey = Object.keys(seconds).find((k) => k.startsWith('bench')) ?? 'bench';
    results.add({
      id: 'baseline.queue',
      section: 'baseline',
      label: `plain queue worker: PostgreSQL job queue (SKIP LOCKED, LISTEN/NOTIFY), in-process HMAC, one log row per delivery; ${o.window} outstanding, ${IN_FLIGHT} in flight`,
      value: rate(f.delivered, Math.max(loggedAt, f.endedAt) - f.startedAt),
      unit: 'deliveries/s',
      ratioTo: 'baseline.undici',
      note: `${total} ms CPU per delivery (the worker, its producer and the receiver ${ms(benchKey)}, postgres ${ms('postgres')})`,
      extra: { ...f, cpu: seconds, cpuMsPerDelivery: total, signatures: { checked: counts.sigChecked, bad: counts.sigBad }, loggedRows },
    });
    if (!f.complete) results.errors.push(`queue worker baseline: only ${f.delivered} of ${f.events} deliveries arrived in ${o.scenarioSeconds} s`);
    if (f.publishErrors || worker.errors) results.errors.push(`queue worker baseline: ${f.publishErrors} enqueue and ${worker.errors} attempt errors (${f.firstError ?? worker.firstError})`);
    if (counts.sigBad > 0) results.errors.push(`queue worker baseline: ${counts.sigBad} bad signatures`);
  } finally {
    worker.stop();
    await running.catch(() => undefined);
    await listen.end().catch(() => undefined);
    await http.close();
    await pool.end();
  }
}
