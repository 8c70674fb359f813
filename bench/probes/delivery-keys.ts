// What the key of the webhook log costs PostgreSQL once the log is large: rows written to
// the real `deliveries` table (every migration applied, its six indexes) as the audit log
// writes them (400 to a statement, jsonb_to_recordset, ON CONFLICT (id)), after the table
// already holds `prefill` rows, with the ids deliveryIdFor derived before 6 December 2026
// (hashed: anywhere in the index; what it still derives for an event with no time) and
// derives since (time-ordered). Each round starts after a CHECKPOINT, as a
// production server does every few minutes, so the first change of each index page
// after it is written whole to the WAL (a full-page image). It reads the backend's CPU
// (/proc), the WAL (pg_stat_wal) and the primary key's size. A durable PostgreSQL of its own
// in a temporary folder (the default 128 MB of shared_buffers), stopped at the end:
//
//   npm run bench:keys [-- <prefill rows, default 2000000> <rows per round, default 40000>]
//
// (about 5 minutes with the defaults; `npm run bench:keys -- 200000 8000` in 40 s).
// Not a benchmark with a target: the probe behind bench/HISTORY.md's *Delivery ids that
// sort by time*. The bench's own scenarios start from small tables, where the key's
// order barely shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { deliveryIdFor, stableUuid, uuidv7 } from '@hookline/contracts';
import { startPostgres } from '@hookline/local-stack';
import { runMigrations } from '@hookline/persistence';
import { sampleCpu } from '../lib/cpu';

type Scheme = 'hashed' | 'ordered';
const PREFILL = Number(process.argv[2] ?? 2_000_000);
const ROWS = Number(process.argv[3] ?? 40_000);
const BATCH = 400;
const BODY = JSON.stringify({ data: { pad: 'x'.repeat(900) } });

/** A backend's CPU time so far, in ms. */
function backendCpuMs(pid: number): number {
  return (sampleCpu({ backend: { pid, tree: false } }).backend ?? NaN) * 1000;
}

/** The delivery id of the i-th event of a round, as the dispatcher derives it (a keyed event given no time keeps the hashed id). */
function idFor(scheme: Scheme, i: number, ms: number): string {
  const event = scheme === 'hashed' ? stableUuid('event', 'probe', `key-${i}`) : uuidv7(ms);
  return deliveryIdFor(event, 'rcv-probe');
}

async function wal(c: Client): Promise<{ bytes: number; fpi: number }> {
  const r = await c.query<{ b: string; f: string }>('SELECT wal_bytes::text AS b, wal_fpi::text AS f FROM pg_stat_wal');
  return { bytes: Number(r.rows[0].b), fpi: Number(r.rows[0].f) };
}

async function prefill(c: Client, scheme: Scheme): Promise<void> {
  await c.query('TRUNCATE deliveries');
  // Ids laid out as each scheme lays them (a random UUID stands for a hash; the ordered ones
  // carry one millisecond each, up to an hour ago), the other columns as a webhook's.
  const id =
    scheme === 'hashed'
      ? 'gen_random_uuid()'
      : `(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint - 3600000 - ${PREFILL} + g), 12, '0') || '8' || substr(md5(g::text), 1, 19))::uuid`;
  await c.query(
    `INSERT INTO deliveries (id, tenant_id, kind, created_at, event_id, topic, target_id, target_name, url, body, status, status_seq, attempts)
     SELECT ${id}, 'probe', 'webhook', now() - interval '1 hour' - (${PREFILL} - g) * interval '1 ms', gen_random_uuid(), 'Probe.Event',
            'rcv-probe', 'probe', 'http://127.0.0.1/hook', $1, 'succeeded', 2, 1
     FROM generate_series(1, ${PREFILL}) g`,
    [BODY],
  );
  await c.query('VACUUM ANALYZE deliveries');
}

async function round(c: Client, pid: number, scheme: Scheme, from: number): Promise<{ cpuUs: number; walBytes: number; fpi: number }> {
  await c.query('CHECKPOINT');
  const w0 = await wal(c);
  const cpu0 = backendCpuMs(pid);
  for (let i = 0; i < ROWS; i += BATCH) {
    const now = Date.now();
    const rows = Array.from({ length: BATCH }, (_, j) => ({
      id: idFor(scheme, from + i + j, now),
      tenant_id: 'probe',
      kind: 'webhook',
      created_at: new Date(now).toISOString(),
      topic: 'Probe.Event',
      target_id: 'rcv-probe',
      target_name: 'probe',
      url: 'http://127.0.0.1/hook',
      body: BODY,
      status: 'succeeded',
      status_seq: 2,
      attempts: 1,
    }));
    await c.query(
      `INSERT INTO deliveries AS d (id, tenant_id, kind, created_at, topic, target_id, target_name, url, body, status, status_seq, attempts)
       SELECT id, tenant_id, kind, created_at, topic, target_id, target_name, url, body, status, status_seq, attempts
       FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id text, kind text, created_at timestamptz, topic text, target_id text, target_name text,
         url text, body text, status text, status_seq bigint, attempts int)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()`,
      [JSON.stringify(rows)],
    );
  }
  const cpu = backendCpuMs(pid) - cpu0;
  // This backend's WAL counters reach pg_stat_wal when it flushes its statistics.
  await c.query('SELECT pg_stat_force_next_flush()');
  await c.query('SELECT 1');
  const w1 = await wal(c);
  return { cpuUs: (cpu * 1000) / ROWS, walBytes: (w1.bytes - w0.bytes) / ROWS, fpi: (w1.fpi - w0.fpi) / ROWS };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-keys-'));
  const pg = await startPostgres({ dataDir: dir });
  try {
    await runMigrations(pg.url());
    const c = new Client({ connectionString: pg.url() });
    await c.connect();
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    console.log(`[keys] ${PREFILL.toLocaleString('en')} rows in deliveries before each scheme's rounds, ${ROWS.toLocaleString('en')} rows written per round, ${BATCH} to a statement`);
    const seen: Record<Scheme, { cpuUs: number; walBytes: number; fpi: number }[]> = { hashed: [], ordered: [] };
    for (const scheme of ['hashed', 'ordered', 'hashed', 'ordered'] as Scheme[]) {
      const t0 = Date.now();
      await prefill(c, scheme);
      const sizes = await c.query<{ pkey: string }>(`SELECT pg_size_pretty(pg_relation_size('deliveries_pkey')) AS pkey`);
      for (let r = 0; r < 2; r++) {
        const m = await round(c, pid, scheme, r * ROWS);
        seen[scheme].push(m);
        console.log(
          `[keys] ${scheme.padEnd(7)} round ${r + 1}: PostgreSQL CPU ${m.cpuUs.toFixed(1)} µs per row, WAL ${Math.round(m.walBytes)} bytes per row, ${m.fpi.toFixed(3)} full-page images per row (primary key ${sizes.rows[0].pkey}; prefill ${Math.round((Date.now() - t0) / 1000)} s)`,
        );
      }
    }
    const mean = (s: Scheme, k: 'cpuUs' | 'walBytes' | 'fpi') => seen[s].reduce((a, m) => a + m[k], 0) / seen[s].length;
    console.log(
      `[keys] time-ordered against hashed ids: CPU ${(mean('ordered', 'cpuUs') / mean('hashed', 'cpuUs')).toFixed(2)}x, WAL ${(mean('ordered', 'walBytes') / mean('hashed', 'walBytes')).toFixed(2)}x, full-page images ${mean('ordered', 'fpi').toFixed(3)} against ${mean('hashed', 'fpi').toFixed(3)} per row`,
    );
    await c.end();
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
