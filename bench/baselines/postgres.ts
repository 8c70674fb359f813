// PostgreSQL with the pg client directly: one INSERT per row versus batches in one
// statement (the shape the audit log's projections use: jsonb_to_recordset).
import { Client } from 'pg';
import { nowMs } from '../lib/clock';
import { closedLoop } from '../lib/load';
import { rawBody } from '../lib/payload';
import { rate } from '../lib/stats';
import type { BenchOptions } from '../lib/options';
import type { Results } from '../lib/results';

export async function postgresBaselines(o: BenchOptions, databaseUrl: string, results: Results): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('DROP TABLE IF EXISTS bench_rows');
    await db.query('CREATE TABLE bench_rows (id bigserial PRIMARY KEY, tenant_id text NOT NULL, event_id text NOT NULL, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    const body = rawBody(0, nowMs());

    const single = await closedLoop({
      concurrency: 1,
      maxOps: o.pgSingle,
      maxMs: 20_000,
      op: async (i) => {
        await db.query('INSERT INTO bench_rows (tenant_id, event_id, body) VALUES ($1, $2, $3)', ['bench', `e-${i}`, body]);
      },
    });
    results.add({ id: 'baseline.pg.single', section: 'baseline', label: 'PostgreSQL single-row INSERT (autocommit)', value: rate(single.ops, single.elapsedMs), unit: 'rows/s', extra: { ...single } });

    const size = o.pgBatchSize;
    const rowsOf = (b: number) => JSON.stringify(Array.from({ length: size }, (_, k) => ({ tenant_id: 'bench', event_id: `b-${b}-${k}`, body: JSON.parse(body) as unknown })));
    const batched = await closedLoop({
      concurrency: 1,
      maxOps: Math.ceil(o.pgBatched / size),
      maxMs: 30_000,
      op: async (b) => {
        await db.query('INSERT INTO bench_rows (tenant_id, event_id, body) SELECT tenant_id, event_id, body FROM jsonb_to_recordset($1::jsonb) AS x(tenant_id text, event_id text, body jsonb)', [rowsOf(b)]);
      },
    });
    results.add({
      id: 'baseline.pg.batched',
      section: 'baseline',
      label: `PostgreSQL batched INSERT (${size} rows per statement)`,
      value: rate(batched.ops * size, batched.elapsedMs),
      unit: 'rows/s',
      ratioTo: 'baseline.pg.single',
      extra: { ...batched, batchSize: size },
    });
    if (single.errors + batched.errors) results.errors.push(`PostgreSQL baseline: ${single.errors + batched.errors} errors (${single.firstError ?? batched.firstError})`);
    await db.query('DROP TABLE bench_rows');
  } finally {
    await db.end();
  }
}
