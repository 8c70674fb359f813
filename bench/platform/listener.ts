// Inbound listener ingest: POST /hooks/<service>/<listener> through the gateway, 1 KB of
// JSON, the token in a header, one root row and two child rows per request. Measured: the
// 202 rate at a fixed concurrency (a 202 means JetStream has stored the request), how fast
// the apply consumer gets it all into the tables, the CPU per request, and the 202
// latency at half the measured rate. Compared with the same run's baselines: the bare
// node:http receiver, the awaited JetStream publish, the single-row PostgreSQL INSERT.
import { Client } from 'pg';
import { CONSUMERS } from '@hookline/contracts';
import { nowMs } from '../lib/clock';
import { cpuDelta, sampleCpu, type CpuSample } from '../lib/cpu';
import { closedLoop, openLoop, until } from '../lib/load';
import { rate, round, summarize } from '../lib/stats';
import { consumerBacklog } from './bench-stack';
import type { Ctx } from './scenarios';

const TENANT = 'bench-listener';
const PAD = 'y'.repeat(640);

/** About 1 KB: a root record with two child rows. */
function payload(i: number): string {
  return JSON.stringify({
    id: i,
    status: 'paid',
    total: 1234.5,
    placedAt: '2026-01-31T12:00:00Z',
    customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
    note: PAD,
    lines: [
      { sku: `A-${i}`, qty: 2, price: 100.25 },
      { sku: `B-${i}`, qty: 1, price: 1034 },
    ],
  });
}

function expect(res: { status: number; text: string }, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
}

export async function listenerIngest(ctx: Ctx): Promise<void> {
  const { o, b, results } = ctx;
  expect(await b.operator.post('/v1/tenants', { id: TENANT, name: 'Bench listener' }), 201, 'tenant');
  const svc = await b.operator.post('/v1/listener-services', { tenant: TENANT, name: 'Bench' });
  expect(svc, 201, 'listener service');
  const gen = await b.operator.post('/v1/listeners/generate-tables', { tenant: TENANT, sample: JSON.parse(payload(0)), baseName: 'orders' });
  expect(gen, 200, 'generate-tables');
  const created = await b.operator.post('/v1/listeners', {
    tenant: TENANT,
    serviceId: svc.body.id,
    name: 'bench',
    structure: gen.body.structure,
    auth: { method: 'token', location: { in: 'header', name: 'X-Hook-Token' } },
  });
  expect(created, 201, 'listener');
  const path = created.body.listener.path as string;
  const token = created.body.token as string;
  const bytes = Buffer.byteLength(payload(1_000_000));

  let next = 0;
  const send = async (): Promise<number> => {
    const i = ++next;
    const s0 = nowMs();
    const res = await b.gateway.request({ path, method: 'POST', headers: { 'content-type': 'application/json', 'x-hook-token': token }, body: payload(i) });
    const text = await res.body.text();
    if (res.statusCode !== 202) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
    return nowMs() - s0;
  };
  const applied = async (maxMs: number) =>
    until(async () => {
      const c = await consumerBacklog(b.jsm, CONSUMERS.listenerApply);
      return c.pending === 0 && c.ackPending === 0;
    }, maxMs, 20);

  // Warm-up, then the measured run.
  await closedLoop({ concurrency: o.acceptedConcurrency, maxOps: o.quick ? 300 : 1000, maxMs: o.quick ? 1500 : 5000, op: async () => void (await send()) });
  await applied(60_000);
  const before: CpuSample = sampleCpu(b.cpuGroups());
  const first = next + 1;
  const run = await closedLoop({ concurrency: o.acceptedConcurrency, maxOps: o.listener, maxMs: o.acceptedSeconds * 1000, op: async () => void (await send()) });
  const acceptedEnd = nowMs();
  const drained = await applied(120_000);
  const appliedMs = nowMs() - acceptedEnd + run.elapsedMs;
  const seconds = cpuDelta(before, sampleCpu(b.cpuGroups()));
  if (run.errors) results.errors.push(`listener ingest: ${run.errors} errors (${run.firstError})`);
  if (!drained) results.errors.push('listener ingest: the apply consumer did not drain within 120 s');

  // What the tables hold: every accepted request, with its two child rows.
  const db = new Client({ connectionString: b.databaseUrl });
  await db.connect();
  let rows = NaN;
  let children = NaN;
  try {
    const r = await db.query(`SELECT count(*)::int AS n FROM "tenant_${TENANT}"."orders" WHERE id >= $1`, [first]);
    const c = await db.query(`SELECT count(*)::int AS n FROM "tenant_${TENANT}"."orders_lines" WHERE "_root_id" >= $1`, [first]);
    rows = r.rows[0].n;
    children = c.rows[0].n;
  } finally {
    await db.end();
  }
  if (rows !== run.ops || children !== 2 * run.ops) results.errors.push(`listener ingest: ${run.ops} requests answered 202, the tables hold ${rows} records and ${children} child rows`);

  const perRequest: Record<string, number> = {};
  for (const [k, v] of Object.entries(seconds)) perRequest[k] = run.ops > 0 ? round((v * 1000) / run.ops, 3) : NaN;
  const cpuTotal = round(Object.values(perRequest).reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0), 2);
  const heaviest = Object.entries(perRequest)
    .sort((a, z) => z[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const accepted = rate(run.ops, run.elapsedMs);
  const undici = results.get('baseline.undici')?.value;
  const pgSingle = results.get('baseline.pg.single')?.value;
  results.add({
    id: 'platform.listener',
    section: 'platform',
    label: `listener ingest (POST /hooks/… via gateway, ${bytes} B JSON, token header, 1 root + 2 child rows; ${o.acceptedConcurrency} concurrent)`,
    value: accepted,
    unit: 'req/s',
    ratioTo: 'baseline.js.sequential',
    note: `${cpuTotal} ms CPU per request (${heaviest}); ${undici ? `${round(accepted / undici, 2)}x bare node:http, ` : ''}${pgSingle ? `${round(accepted / pgSingle, 2)}x single-row INSERT` : ''}`,
    extra: { ...run, rows, children, cpu: { seconds, msPerOp: perRequest } },
  });
  results.add({
    id: 'platform.listener.applied',
    section: 'platform',
    label: 'listener records in the tables (202 -> applied by the consumer, batches of up to 200)',
    value: rate(rows, appliedMs),
    unit: 'records/s',
    ratioTo: 'baseline.pg.single',
    note: `${rows} records and ${children} child rows; drained ${round((nowMs() - acceptedEnd) / 1000, 1)} s after the last 202`,
  });

  // Latency of the 202 at half the measured rate.
  const ratePerSec = Math.max(1, Math.floor(accepted / 2));
  const lat: number[] = [];
  const open = await openLoop({ ratePerSec, durationMs: o.latencySeconds * 1000, maxOps: ratePerSec * o.latencySeconds, maxInFlight: 2000, op: async () => void lat.push(await send()) });
  await applied(60_000);
  if (open.errors || open.skipped) results.errors.push(`listener latency: ${open.errors} errors, ${open.skipped} skipped (${open.firstError ?? 'too many in flight'})`);
  const s = summarize(lat);
  results.add({ id: 'platform.listener.p50', section: 'platform', label: `listener ingest latency p50 (request -> 202) at ${ratePerSec}/s (half max)`, value: s.p50, unit: 'ms', extra: { ...s, ratePerSec } });
  results.add({ id: 'platform.listener.p99', section: 'platform', label: `listener ingest latency p99 (request -> 202) at ${ratePerSec}/s (half max)`, value: s.p99, unit: 'ms', note: `max ${s.max} ms over ${s.samples} requests` });
}
