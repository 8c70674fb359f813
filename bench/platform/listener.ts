// Inbound listener ingest: POST /hooks/<service>/<listener>, 1 KB of JSON, the token in a
// header, one root row and two child rows per request. Measured, through the gateway (the
// local stand-in for the ingress) and straight to webhook-listener: the 202 rate at a
// fixed concurrency (a 202 means JetStream has stored the request), how fast the apply
// consumer gets it all into the tables, the CPU per request of every process (while the
// 202s come, and the whole of it once the tables hold everything), and the 202 latency at
// half the measured rate, with probes that say where its tail comes from. Compared with
// the same run's baselines: the bare node:http receiver, the awaited JetStream publish,
// the single-row PostgreSQL INSERT.
import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Client } from 'pg';
import { Pool } from 'undici';
import { CONSUMERS } from '@hookline/contracts';
import { onCleanup } from '../lib/cleanup';
import { collectOwnGarbage } from '../lib/own-gc';
import { nowMs, sleep } from '../lib/clock';
import { cpuDelta, perOp, sampleCpu, windowCpuText, type CpuSample, type WindowCpu } from '../lib/cpu';
import { closedLoop, openLoop, until } from '../lib/load';
import { completeness } from '../lib/results';
import { percentile, percentileOf, rate, round, summarize, type LatencySummary } from '../lib/stats';
import { consumerBacklog } from './bench-stack';
import { gatewayNote, pauseFigures, pausesIn, pauseText, snapshots, watchOwnSide, type Pause } from './instances';
import { PgStats, statementShares, statementSharesText } from './pg-stats';
import { cpuWindow, vacuumed, type Ctx } from './scenarios';

const TENANT = 'bench-listener';
const PAD = 'y'.repeat(640);
const PROBE_STREAM = 'BENCH_LISTENER_PROBE';

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

/** One answered request: when it started, how long it took, and the service's own Server-Timing figures (ms) when it sent them. */
interface Sample {
  at: number;
  ms: number;
  timing: Record<string, number>;
}

function serverTiming(h: string | string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (Array.isArray(h) ? h.join(',') : (h ?? '')).split(',')) {
    const m = /^\s*([\w-]+)\s*;.*\bdur=([\d.]+)/.exec(part);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** nginx's X-Hookline-Gateway-Timing (seconds; "-" when it did not get that far) as ms: gwRequest, gwConnect, gwHeader. */
function gatewayTiming(h: string | string[] | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const names: Record<string, string> = { request: 'gwRequest', connect: 'gwConnect', header: 'gwHeader' };
  for (const part of String(h ?? '').split(',')) {
    const m = /^\s*(request|connect|header)=([\d.]+)/.exec(part);
    if (m) out[names[m[1]]] = Number(m[2]) * 1000;
  }
  return out;
}

/** CPU per request, raw (NaN with no request: not a cost of 0), and a line of it rounded. */
function cpuNote(seconds: CpuSample, ops: number): { perOp: CpuSample; total: number; text: string } {
  const { msPerOp, totalMs } = perOp(seconds, ops);
  const parts = Object.entries(msPerOp)
    .filter(([, v]) => v >= 0.005)
    .sort((a, z) => z[1] - a[1])
    .map(([k, v]) => `${k.replace(/ \(.*\)$/, '')} ${round(v, 3)}`)
    .join(', ');
  return { perOp: msPerOp, total: totalMs, text: `${round(totalMs, 2)} ms CPU per request (${parts})` };
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
  const serviceUrl = b.stack.services['webhook-listener'].url;
  const direct = new Pool(serviceUrl, { connections: 256, pipelining: 1 });
  onCleanup('webhook-listener pool', () => direct.close());

  let next = 0;
  const send = async (via: Pool): Promise<Sample> => {
    const i = ++next;
    const s0 = nowMs();
    const res = await via.request({ path, method: 'POST', headers: { 'content-type': 'application/json', 'x-hook-token': token }, body: payload(i) });
    const text = await res.body.text();
    if (res.statusCode !== 202) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
    return { at: s0, ms: nowMs() - s0, timing: { ...serverTiming(res.headers['server-timing']), ...gatewayTiming(res.headers['x-hookline-gateway-timing']) } };
  };
  const applied = async (maxMs: number) =>
    until(async () => {
      const c = await consumerBacklog(b.jsm, CONSUMERS.listenerApply);
      return c.pending === 0 && c.ackPending === 0;
    }, maxMs, 20);
  const pendingNow = async () => {
    const c = await consumerBacklog(b.jsm, CONSUMERS.listenerApply);
    return c.pending + c.ackPending;
  };
  /** Host events (one per applied change) the dispatcher and the audit log have not finished yet. */
  const hostEventsPending = async () => {
    const [d, a] = await Promise.all([consumerBacklog(b.jsm, CONSUMERS.dispatcherEvents), consumerBacklog(b.jsm, CONSUMERS.auditEvents)]);
    return { dispatcher: d.pending + d.ackPending, audit: a.pending + a.ackPending };
  };

  /** The closed loop: the 202 rate, the CPU while the 202s come and until the tables hold everything. */
  const throughput = async (via: Pool, what: string) => {
    await closedLoop({ concurrency: o.acceptedConcurrency, maxOps: o.quick ? 300 : 1000, maxMs: o.quick ? 1500 : 5000, op: async () => void (await send(via)) });
    await applied(60_000);
    await vacuumed(b, `listener ingest warm-up (${what})`);
    const pgBefore = await ctx.pg.reset();
    const before: CpuSample = sampleCpu(b.cpuGroups());
    const first = next + 1;
    const run = await closedLoop({ concurrency: o.acceptedConcurrency, maxOps: o.listener, maxMs: o.acceptedSeconds * 1000, op: async () => void (await send(via)) });
    const acceptedEnd = nowMs();
    const whileAccepting = cpuDelta(before, sampleCpu(b.cpuGroups()));
    const backlogAtEnd = await pendingNow();
    const drained = await applied(120_000);
    const drainMs = nowMs() - acceptedEnd;
    const all = cpuDelta(before, sampleCpu(b.cpuGroups()));
    // What PostgreSQL executed for these requests until the tables held them all (the audit
    // log's copies of their host events included), by table, and the WAL written meanwhile.
    const statements = await ctx.pg.statements();
    const wal = PgStats.delta(pgBefore, await ctx.pg.snapshot()).background;
    const shares = statementShares(statements, run.ops);
    const walBytesPerRequest = run.ops > 0 ? wal.walBytes / run.ops : NaN;
    const pg = { shares, walBytesPerRequest, text: shares.length > 0 ? statementSharesText(shares, 'request', walBytesPerRequest) : '' };
    if (run.errors) results.errors.push(`listener ingest (${what}): ${run.errors} errors (${run.firstError})`);
    if (!drained) results.errors.push(`listener ingest (${what}): the apply consumer did not drain within 120 s`);
    const counted = await countRows(b.databaseUrl, first);
    if (counted.rows !== run.ops || counted.children !== 2 * run.ops) {
      results.errors.push(`listener ingest (${what}): ${run.ops} requests answered 202, the tables hold ${counted.rows} records and ${counted.children} child rows`);
    }
    const accepting = cpuNote(whileAccepting, run.ops);
    const total = cpuNote(all, run.ops);
    console.log(`[bench]     ${what}: ${round(rate(run.ops, run.elapsedMs), 1)} req/s; while accepting ${accepting.text}`);
    console.log(`[bench]     ${what}: ${backlogAtEnd} changes not yet applied at the last 202, drained ${round(drainMs / 1000, 1)} s later; in all ${total.text}`);
    if (pg.text) console.log(`[bench]     ${what}: PostgreSQL ${pg.text}`);
    return { run, accepting, total, drainMs, backlogAtEnd, drained, pg, ...counted };
  };
  /** Every request answered 202 and applied, each with its two child rows. */
  const ingestComplete = (x: Awaited<ReturnType<typeof throughput>>) =>
    completeness(x.run.errors === 0 && x.drained && x.rows === x.run.ops && x.children === 2 * x.run.ops, () => `${x.run.errors} requests not answered 202; ${x.rows} of ${x.run.ops} records and ${x.children} of ${2 * x.run.ops} child rows in the tables${x.drained ? '' : ', the apply consumer did not drain'}`);

  const viaGateway = await throughput(b.gateway, 'via gateway');
  const straight = await throughput(direct, 'direct');
  const accepted = rate(viaGateway.run.ops, viaGateway.run.elapsedMs);
  const acceptedDirect = rate(straight.run.ops, straight.run.elapsedMs);
  const undici = results.get('baseline.undici')?.value;
  const pgSingle = results.get('baseline.pg.single')?.value;
  results.add({
    id: 'platform.listener',
    section: 'platform',
    label: `listener ingest (POST /hooks/… via gateway, ${bytes} B JSON, token header, 1 root + 2 child rows; ${o.acceptedConcurrency} concurrent)`,
    value: accepted,
    unit: 'req/s',
    ratioTo: 'baseline.js.sequential',
    note: [
      viaGateway.total.text,
      `while the 202s came ${round(viaGateway.accepting.total, 2)} ms`,
      [undici ? `${round(accepted / undici, 2)}x bare node:http` : '', pgSingle ? `${round(accepted / pgSingle, 2)}x single-row INSERT` : ''].filter(Boolean).join(', '),
      viaGateway.pg.text ? `PostgreSQL ${viaGateway.pg.text}` : '',
    ]
      .filter(Boolean)
      .join('; '),
    extra: { ...viaGateway.run, rows: viaGateway.rows, children: viaGateway.children, cpu: { msPerOp: viaGateway.total.perOp, whileAccepting: viaGateway.accepting.perOp }, postgres: { statements: viaGateway.pg.shares, walBytesPerRequest: viaGateway.pg.walBytesPerRequest }, ...ingestComplete(viaGateway) },
  });
  results.add({
    id: 'platform.listener.direct',
    section: 'platform',
    label: `listener ingest (POST straight to webhook-listener, no gateway hop; ${o.acceptedConcurrency} concurrent)`,
    value: acceptedDirect,
    unit: 'req/s',
    ratioTo: 'baseline.js.sequential',
    note: `${round(acceptedDirect / Math.max(accepted, 0.1), 2)}x via gateway; ${straight.total.text}; while the 202s came ${round(straight.accepting.total, 2)} ms${straight.pg.text ? `; PostgreSQL ${straight.pg.text}` : ''}`,
    extra: { ...straight.run, rows: straight.rows, children: straight.children, cpu: { msPerOp: straight.total.perOp, whileAccepting: straight.accepting.perOp }, postgres: { statements: straight.pg.shares, walBytesPerRequest: straight.pg.walBytesPerRequest }, ...ingestComplete(straight) },
  });
  const appliedMs = viaGateway.run.elapsedMs + viaGateway.drainMs;
  results.add({
    id: 'platform.listener.applied',
    section: 'platform',
    label: 'listener records in the tables (202 -> applied by the consumer, via gateway run)',
    value: rate(viaGateway.rows, appliedMs),
    unit: 'records/s',
    ratioTo: 'baseline.pg.single',
    note: `${viaGateway.rows} records and ${viaGateway.children} child rows; ${viaGateway.backlogAtEnd} not applied at the last 202, drained ${round(viaGateway.drainMs / 1000, 1)} s later`,
  });

  // Latency of the 202 at half the rate measured through the gateway: through the gateway
  // (the target), then straight to the service at the same rate; each with probes.
  const ratePerSec = Math.max(1, Math.floor(accepted / 2));
  const jsm = b.jsm;
  await jsm.streams.delete(PROBE_STREAM).catch(() => undefined);
  await jsm.streams.add({ name: PROBE_STREAM, subjects: ['bench.listener.probe'], storage: StorageType.File, retention: RetentionPolicy.Limits, max_msgs: 10_000, num_replicas: 1 });
  onCleanup('listener probe stream', () => jsm.streams.delete(PROBE_STREAM).then(() => undefined, () => undefined));
  const health = new Pool(serviceUrl, { connections: 4 });
  onCleanup('webhook-listener health pool', () => health.close());

  const latency = async (via: Pool, what: string) => {
    // Measured in steady state: from a quiet platform (the bench's own garbage collected
    // first), 2 s at the window's rate that are not counted, and the window straight after
    // them. Without the 2 s the window began with the closed loop's aftermath (in the 12:15
    // series of 6 December 3 of the 4 100 ms windows holding the slowest 1 % came 0.6-0.8 s
    // in); with a pause for a quiet platform between them, with a cold start of its own
    // (the slowest 1 % of the next run came in its first 0.1 s).
    await applied(60_000);
    if (!(await b.quiet(60_000))) results.errors.push(`listener latency (${what}): the platform was not quiet 60 s after the closed loop`);
    await vacuumed(b, `listener ingest (${what})`);
    collectOwnGarbage();
    const warm = await openLoop({ ratePerSec, durationMs: o.quick ? 1000 : 2000, maxOps: ratePerSec * 2, maxInFlight: 2000, op: async () => void (await send(via)) });
    if (warm.errors) results.errors.push(`listener latency (${what}) warm-up: ${warm.errors} errors (${warm.firstError})`);
    const lat: Sample[] = [];
    const probes = { health: [] as number[], publish: [] as number[] };
    let probing = true;
    // Every 20 ms: GET /health straight to webhook-listener (its event loop: a request waits
    // there while a batch, a GC or another request holds it) and a JetStream publish of 1 KB
    // to a stream of the bench's own (nats-server storing a message, alone).
    const probeLoop = (async () => {
      const body = new Uint8Array(1024);
      let k = 0;
      while (probing) {
        const t0 = nowMs();
        void health.request({ path: '/health', method: 'GET' }).then(
          async (r) => {
            await r.body.text();
            probes.health.push(nowMs() - t0);
          },
          () => undefined,
        );
        void b.js.publish('bench.listener.probe', body, { msgID: `probe-${what}-${k++}` }).then(
          () => probes.publish.push(nowMs() - t0),
          () => undefined,
        );
        await sleep(20);
      }
    })();
    const own = await watchOwnSide(b);
    const backlogBefore = await pendingNow();
    const eventsBefore = await hostEventsPending();
    const window = cpuWindow(ctx);
    const from = nowMs();
    const open = await openLoop({ ratePerSec, durationMs: o.latencySeconds * 1000, maxOps: ratePerSec * o.latencySeconds, maxInFlight: 2000, op: async () => void lat.push(await send(via)) });
    const to = nowMs();
    const cpu = window.end();
    const side = await own.stop();
    probing = false;
    await probeLoop;
    const backlogAtEnd = await pendingNow();
    const after = await snapshots(b);
    await applied(60_000);
    if (open.errors || open.skipped) results.errors.push(`listener latency (${what}): ${open.errors} errors, ${open.skipped} skipped (${open.firstError ?? 'too many in flight'})`);
    return { lat, from, eventsBefore, s: summarize(lat.map((x) => x.ms)), p99: percentileOf(lat.map((x) => x.ms), 99), open, probes, benchLoopP99: side.benchLoopP99, benchLoopMax: side.benchLoopMax, ...(via === b.gateway ? { gateway: side.gateway, gatewayLoop: side.gatewayLoop } : {}), backlogBefore, backlogAtEnd, pauses: pausesIn(after, from, to, side.benchPauses), cpu };
  };

  const g = await latency(b.gateway, 'gateway');
  const d = await latency(direct, 'direct');
  results.add({ id: 'platform.listener.p50', section: 'platform', label: `listener ingest latency p50 (request -> 202) at ${ratePerSec}/s (half max)`, value: g.s.p50, unit: 'ms', extra: { ...g.s, ratePerSec } });
  results.add({
    id: 'platform.listener.p99',
    section: 'platform',
    label: `listener ingest latency p99 (request -> 202) at ${ratePerSec}/s (half max)`,
    value: g.p99,
    unit: 'ms',
    note: `max ${g.s.max} ms over ${g.s.samples} requests; ${tail(g)}`,
    extra: { ...g.s, ...latencyComplete(g), tail: tailFigures(g) },
  });
  results.add({
    id: 'platform.listener.direct.p99',
    section: 'platform',
    label: `listener ingest latency p99 straight to webhook-listener at ${ratePerSec}/s`,
    value: d.p99,
    unit: 'ms',
    note: `p50 ${d.s.p50} ms, max ${d.s.max} ms; ${tail(d)}`,
    extra: { ...d.s, ...latencyComplete(d), tail: tailFigures(d) },
  });
}

/** The p99 is of the 202s: a request answered otherwise, or skipped (too many in flight), makes the run partial. */
function latencyComplete(r: { open: { ops: number; errors: number; skipped: number } }) {
  const { ops, errors, skipped } = r.open;
  return { sent: ops + errors, errors, skipped, ...completeness(errors === 0 && skipped === 0, () => `${errors} of ${ops + errors + skipped} requests not answered 202, ${skipped} not sent (too many in flight)`) };
}

interface LatencyRun {
  lat: Sample[];
  /** When the run started (nowMs()). */
  from: number;
  /** Host events of earlier scenarios still to be taken up by the dispatcher and the audit log when the run started. */
  eventsBefore: { dispatcher: number; audit: number };
  s: LatencySummary;
  probes: { health: number[]; publish: number[] };
  benchLoopP99: number;
  benchLoopMax: number;
  /** What passed the requests (through the gateway only). */
  gateway?: 'nginx' | 'node';
  /** The gateway thread's event-loop delay in the window (through the node:http gateway only: nginx has none of ours). */
  gatewayLoop?: { p99Ms: number; maxMs: number };
  backlogBefore: number;
  backlogAtEnd: number;
  /** Pauses of 10 ms or more (GC, or the event loop held up by anything, the OS included) each service, and the bench's main thread, had in the window. */
  pauses: Map<string, Pause[]>;
  /** The machine's CPU in the window against each watched process's (undefined without /proc). */
  cpu?: WindowCpu;
}


/** Where the slowest 1 % of requests spent their time, against what the probes saw in the same run. */
function tailFigures(r: LatencyRun) {
  const threshold = r.s.p99;
  const slow = r.lat.filter((x) => x.ms >= threshold);
  const med = (xs: number[]) => round(percentile(Float64Array.from(xs).sort(), 50));
  const withTiming = slow.filter((x) => x.timing.total !== undefined);
  const throughNginx = slow.filter((x) => x.timing.gwRequest !== undefined);
  const windowSet = new Set(slow.map((x) => Math.floor(x.at / 100)));
  return {
    slow: slow.length,
    /** In how many distinct 100 ms windows the slow requests started: few windows = stalls, many = steady queueing. */
    windows: windowSet.size,
    /** When the first (up to six) of those windows began, in seconds from the start of the run. */
    windowsAt: [...windowSet].sort((a, b) => a - b).slice(0, 6).map((w) => Math.max(0, Math.round((w * 100 - r.from) / 100) / 10)),
    serviceTotalMedian: withTiming.length ? med(withTiming.map((x) => x.timing.total)) : undefined,
    storeMedian: withTiming.length ? med(withTiming.map((x) => x.timing.store ?? NaN)) : undefined,
    outsideMedian: withTiming.length ? med(withTiming.map((x) => x.ms - x.timing.total)) : undefined,
    /** Through nginx: how long it held them (from reading the request to sending the answer's head), and its connect to the service. */
    gatewayHeldMedian: throughNginx.length ? med(throughNginx.map((x) => x.timing.gwRequest)) : undefined,
    gatewayConnectMax: throughNginx.length ? round(Math.max(...throughNginx.map((x) => x.timing.gwConnect ?? 0))) : undefined,
    healthP99: summarize(r.probes.health).p99,
    publishP99: summarize(r.probes.publish).p99,
    benchLoopP99: r.benchLoopP99,
    benchLoopMax: r.benchLoopMax,
    gatewayLoopP99: r.gatewayLoop ? round(r.gatewayLoop.p99Ms) : undefined,
    gatewayLoopMax: r.gatewayLoop ? round(r.gatewayLoop.maxMs) : undefined,
    gateway: r.gateway,
    backlogBefore: r.backlogBefore,
    backlogAtEnd: r.backlogAtEnd,
    eventsBefore: r.eventsBefore,
    pauses: pauseFigures(r.pauses, slow),
    ...(r.cpu ? { cpuWindow: r.cpu } : {}),
  };
}

function tail(r: LatencyRun): string {
  const t = tailFigures(r);
  const inService = t.serviceTotalMedian !== undefined ? `the slowest 1 % (${t.slow}, in ${t.windows} 100 ms windows, from +${t.windowsAt.join(', +')} s) spent a median ${t.serviceTotalMedian} ms in the ingest handler (${t.storeMedian} ms awaiting JetStream) and ${t.outsideMedian} ms outside it${t.gatewayHeldMedian !== undefined ? ` (nginx held them a median ${t.gatewayHeldMedian} ms, its longest connect to the service ${t.gatewayConnectMax} ms)` : ''}` : `the slowest 1 % (${t.slow}) started in ${t.windows} 100 ms windows`;
  return `${inService}; probes p99: webhook-listener GET /health ${t.healthP99} ms, JetStream publish ${t.publishP99} ms, bench event loop delay ${t.benchLoopP99} ms (max ${t.benchLoopMax})${r.gateway ? `, ${gatewayNote(r.gateway, r.gatewayLoop)}` : ''}; apply backlog ${t.backlogBefore} -> ${t.backlogAtEnd}, host events pending at the start (dispatcher / audit log) ${t.eventsBefore.dispatcher} / ${t.eventsBefore.audit}; pauses >= 10 ms: ${pauseText(t.pauses, t.slow)}${r.cpu ? `; CPU in the window: ${windowCpuText(r.cpu)}` : ''}`;
}

async function countRows(databaseUrl: string, first: number): Promise<{ rows: number; children: number }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const r = await db.query(`SELECT count(*)::int AS n FROM "tenant_${TENANT}"."orders" WHERE id >= $1`, [first]);
    const c = await db.query(`SELECT count(*)::int AS n FROM "tenant_${TENANT}"."orders_lines" WHERE "_root_id" >= $1`, [first]);
    return { rows: r.rows[0].n, children: c.rows[0].n };
  } finally {
    await db.end();
  }
}
