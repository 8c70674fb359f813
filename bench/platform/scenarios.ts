// The platform scenarios. Each one has its own tenant (so no receiver sees another
// scenario's events), starts from a quiet platform, and is bounded in count and time.
import { cpus } from 'node:os';
import { Pool } from 'undici';
import { CONSUMERS } from '@hookline/contracts';
import { nowMs, sleep } from '../lib/clock';
import { cpuDelta, sampleCpu, type CpuSample } from '../lib/cpu';
import { closedLoop, openLoop, until } from '../lib/load';
import { eventData } from '../lib/payload';
import type { BenchOptions } from '../lib/options';
import type { ReceiverFarm } from '../lib/receiver-farm';
import type { Results } from '../lib/results';
import { rate, round, summarize } from '../lib/stats';
import { consumerBacklog, orderHandOuts, type BenchStack } from './bench-stack';
import { feedWindowed, type FeedResult } from './feed';
import { PgStats } from './pg-stats';
import { awaitReceiversLive, createTenant, type BenchTenant } from './tenant';

export interface Ctx {
  o: BenchOptions;
  b: BenchStack;
  farm: ReceiverFarm;
  results: Results;
  pg: PgStats;
}

/** CPU seconds per process group from now until end(); printed with the cost per operation. */
function cpuMeter(ctx: Ctx): { end(ops: number, what: string): { seconds: CpuSample; msPerOp: CpuSample } } {
  const before = sampleCpu(ctx.b.cpuGroups());
  return {
    end(ops, what) {
      const seconds = cpuDelta(before, sampleCpu(ctx.b.cpuGroups()));
      const msPerOp: CpuSample = {};
      for (const [k, v] of Object.entries(seconds)) msPerOp[k] = ops > 0 ? round((v * 1000) / ops, 3) : NaN;
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      const parts = Object.entries(msPerOp)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(`[bench]     cpu: ${round(total, 1)} s in all, ${ops > 0 ? round((total * 1000) / ops, 2) : NaN} ms per ${what} (${parts})`);
      return { seconds, msPerOp };
    },
  };
}

async function settle(ctx: Ctx, what: string, maxMs = 60_000): Promise<void> {
  if (!(await ctx.b.quiet(maxMs))) ctx.results.errors.push(`the platform was not quiet ${Math.round(maxMs / 1000)} s after ${what}`);
}

/** Waits until the webhook log has projected every lifecycle event published so far. */
async function logCaughtUp(ctx: Ctx, maxMs: number): Promise<number | undefined> {
  const ok = await until(
    async () => {
      const d = await consumerBacklog(ctx.b.jsm, CONSUMERS.auditDeliveries);
      const o = await consumerBacklog(ctx.b.jsm, CONSUMERS.dispatcherOrders);
      const f = await consumerBacklog(ctx.b.jsm, CONSUMERS.dispatcherFirstAttempts);
      return d.pending === 0 && d.ackPending === 0 && o.pending === 0 && o.ackPending === 0 && f.pending === 0 && f.ackPending === 0;
    },
    maxMs,
    20,
  );
  return ok ? nowMs() : undefined;
}

async function readyTenant(ctx: Ctx, name: string, receivers: number): Promise<BenchTenant> {
  const t = await createTenant(ctx.b, ctx.farm, name, receivers);
  if (receivers > 0) await awaitReceiversLive(t, ctx.farm);
  await settle(ctx, `setting up ${name}`);
  return t;
}

function checkSignatures(ctx: Ctx, t: BenchTenant, what: string): { checked: number; bad: number; duplicates: number } {
  const c = ctx.farm.sum(t.indexes);
  if (c.sigBad > 0) ctx.results.errors.push(`${what}: ${c.sigBad} of ${c.sigChecked} sampled X-Hub-Signature headers did not verify`);
  if (c.sigChecked === 0 && c.unique > 0) ctx.results.errors.push(`${what}: no signature was checked`);
  return { checked: c.sigChecked, bad: c.sigBad, duplicates: c.duplicates };
}

/** POST /v1/events, 202 after the JetStream ack: through the gateway, and straight to the registry. */
export async function accepted(ctx: Ctx): Promise<void> {
  const { o, b, results } = ctx;
  await readyTenant(ctx, 'bench-ingest', 0);
  const run = async (pool: 'gateway' | 'registry') => {
    const direct = pool === 'registry' ? new Pool(b.stack.services.registry.url, { connections: o.acceptedConcurrency }) : undefined;
    const client = direct ?? b.gateway;
    try {
      const op = async (i: number) => {
        const res = await client.request({
          path: '/v1/events',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${b.operatorToken}` },
          body: JSON.stringify({ tenant: 'bench-ingest', topic: 'Bench.Ingest', object: { type: 'order', id: String(i) }, data: eventData(i, nowMs()) }),
        });
        const text = await res.body.text();
        if (res.statusCode !== 202) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
      };
      await closedLoop({ concurrency: o.acceptedConcurrency, maxOps: Math.min(o.quick ? 300 : 1000, o.accepted), maxMs: o.quick ? 1500 : 5000, op });
      return await closedLoop({ concurrency: o.acceptedConcurrency, maxOps: o.accepted, maxMs: o.acceptedSeconds * 1000, op });
    } finally {
      await direct?.close();
    }
  };
  const cpuA = cpuMeter(ctx);
  const viaGateway = await run('gateway');
  const cpuAccepted = cpuA.end(viaGateway.ops, 'event');
  const perEvent = round(Object.values(cpuAccepted.msPerOp).reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0), 2);
  results.add({
    id: 'platform.accepted',
    section: 'platform',
    label: `accepted events (POST /v1/events via gateway, ${o.acceptedConcurrency} concurrent)`,
    value: rate(viaGateway.ops, viaGateway.elapsedMs),
    unit: 'events/s',
    ratioTo: 'baseline.js.sequential',
    note: `${perEvent} ms CPU per event (registry ${cpuAccepted.msPerOp.registry ?? NaN})`,
    extra: { ...viaGateway, cpu: cpuAccepted },
  });
  if (viaGateway.errors) results.errors.push(`accepted (gateway): ${viaGateway.errors} errors (${viaGateway.firstError})`);
  await settle(ctx, 'accepted events');
  const direct = await run('registry');
  results.add({
    id: 'platform.accepted.direct',
    section: 'platform',
    label: `accepted events (POST straight to the registry, no gateway hop)`,
    value: rate(direct.ops, direct.elapsedMs),
    unit: 'events/s',
    ratioTo: 'baseline.js.sequential',
    extra: { ...direct },
  });
  if (direct.errors) results.errors.push(`accepted (direct): ${direct.errors} errors (${direct.firstError})`);
  await settle(ctx, 'accepted events (direct)');
}

function feedRow(f: FeedResult, loggedAt: number | undefined) {
  const deliveredMs = f.endedAt - f.startedAt;
  const loggedMs = loggedAt ? Math.max(loggedAt, f.endedAt) - f.startedAt : undefined;
  return { deliveredMs, loggedMs, deliveredRate: rate(f.delivered, deliveredMs), loggedRate: loggedMs ? rate(f.delivered, loggedMs) : 0 };
}

/** 1 event -> 1 receiver, websub-signed, attempt logged; also counts PostgreSQL statements. */
export async function delivered(ctx: Ctx): Promise<void> {
  const { o, b, farm, results, pg } = ctx;
  const t = await readyTenant(ctx, 'bench-delivered', 1);
  const before = await pg.reset();
  const orders0 = await orderHandOuts(b.jsm);
  const cpu = cpuMeter(ctx);
  const f = await feedWindowed({
    total: o.delivered,
    window: o.window,
    perEvent: 1,
    maxMs: o.scenarioSeconds * 1000,
    publish: (i) => t.publish(i, o.feed),
    received: () => farm.unique(t.indexes),
    lastReceivedAt: () => farm.lastAt(t.indexes),
    progress: (ms) => farm.progress(ms),
  });
  const loggedAt = await logCaughtUp(ctx, 60_000);
  // Background work (pollers) keeps counting while we wait; the snapshot is taken as soon as the log caught up.
  const after = await pg.snapshot();
  const cpuUse = cpu.end(f.delivered, 'delivery');
  const orderDeliveries = (await orderHandOuts(b.jsm)) - orders0;
  const r = feedRow(f, loggedAt);
  if (!f.complete) results.errors.push(`delivered: only ${f.delivered} of ${f.events} deliveries arrived within ${o.scenarioSeconds} s`);
  if (f.publishErrors) results.errors.push(`delivered: ${f.publishErrors} publish errors (${f.firstError})`);
  const sig = checkSignatures(ctx, t, 'delivered');
  results.add({
    id: 'platform.delivered',
    section: 'platform',
    label: `delivered webhooks, 1 event -> 1 receiver (websub, attempt logged; feed ${o.feed}, ${o.window} outstanding)`,
    value: r.loggedRate,
    unit: 'deliveries/s',
    ratioTo: 'baseline.undici',
    note: loggedAt ? undefined : 'the log did not catch up in 60 s',
    extra: { ...f, ...r, signatures: sig, cpu: cpuUse, orderDeliveries, orderDeliveriesPerDelivery: round(orderDeliveries / Math.max(1, f.delivered), 2) },
  });
  const cpuTotal = Object.values(cpuUse.msPerOp).reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0);
  const heaviest = Object.entries(cpuUse.msPerOp)
    .sort((a, z) => z[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  results.add({
    id: 'platform.delivered.cpu',
    section: 'platform',
    label: 'CPU per delivered webhook, all processes (bench included)',
    value: round(cpuTotal, 2),
    unit: 'ms',
    note: `${heaviest}; at this cost ${cpus().length} idle cores would deliver at most ~${Math.round((cpus().length * 1000) / cpuTotal)}/s`,
    extra: { ...cpuUse },
  });
  // What the log shows: every delivery succeeded, with its attempt.
  const [row] = await pg.query<{ succeeded: string; attempts: string }>(
    `SELECT count(*) FILTER (WHERE status = 'succeeded')::text AS succeeded, (SELECT count(*) FROM delivery_attempts WHERE tenant_id = $1)::text AS attempts FROM deliveries WHERE tenant_id = $1`,
    [t.id],
  );
  const inLog = Number(row?.succeeded ?? 0);
  const expected = farm.unique(t.indexes);
  if (inLog !== expected) results.errors.push(`delivered: the log shows ${inLog} succeeded deliveries, the receiver got ${expected}`);
  const api = await b.operator.get(`/v1/deliveries?tenant=${t.id}&status=succeeded&limit=1`);
  if (api.status !== 200 || !Array.isArray(api.body?.data) || api.body.data.length !== 1) results.errors.push(`delivered: GET /v1/deliveries answered ${api.status}: ${api.text.slice(0, 200)}`);

  const d = PgStats.delta(before, after);
  results.add({
    id: 'platform.pg',
    section: 'platform',
    label: `PostgreSQL statements per delivered webhook (${d.method})`,
    value: f.delivered > 0 ? round(d.statements / f.delivered, 3) : NaN,
    unit: d.method === 'pg_stat_statements' ? 'statements' : 'transactions',
    note: `${d.statements} ${d.method === 'pg_stat_statements' ? 'statements' : 'commits'} for ${f.delivered} deliveries; ${d.tupInserted} rows inserted, ${d.tupUpdated} updated`,
    extra: { ...d, deliveries: f.delivered, logRows: { succeeded: inLog, attempts: Number(row?.attempts ?? 0) } },
  });
  for (const q of d.top) console.log(`[bench]     ${String(q.calls).padStart(6)}  ${q.query}`);
  await settle(ctx, 'delivered');
}

/** Publish-to-receiver latency with events arriving at half the measured maximum rate. */
export async function latency(ctx: Ctx): Promise<void> {
  const { o, farm, results } = ctx;
  const max = results.get('platform.delivered')?.value;
  if (!max) {
    results.errors.push('latency: skipped, it needs the delivered rate');
    return;
  }
  const t = await readyTenant(ctx, 'bench-latency', 1);
  const ratePerSec = Math.max(1, Math.floor(max / 2));
  // Every event of the scenario gets its own index: a JetStream publish is deduplicated by
  // a msg id made from it, so reusing the warm-up's indexes dropped that many events of the run.
  let next = 0;
  // The feed the maximum was measured with first (the target reads it), then the other.
  for (const feed of o.feed === 'nats' ? (['nats', 'http'] as const) : (['http', 'nats'] as const)) {
    let acks: number[] = [];
    const op = async () => {
      const s0 = nowMs();
      await t.publish(next++, feed);
      acks.push(nowMs() - s0);
    };
    const opts = { ratePerSec, maxInFlight: 2000, op };
    await openLoop({ ...opts, durationMs: o.quick ? 1000 : 2000, maxOps: ratePerSec * 2 });
    await settle(ctx, 'latency warm-up', 30_000);
    await farm.recordLatency(true);
    acks = [];
    const base = farm.unique(t.indexes);
    const run = await openLoop({ ...opts, durationMs: o.latencySeconds * 1000, maxOps: ratePerSec * o.latencySeconds });
    const ack = summarize(acks);
    await until(() => farm.unique(t.indexes) - base >= run.ops, 30_000, 20);
    await farm.recordLatency(false);
    const lat = summarize(await farm.latencies());
    const label = feed === 'http' ? 'POST /v1/events' : 'JetStream publish';
    if (run.errors || run.skipped) results.errors.push(`latency (${feed}): ${run.errors} errors, ${run.skipped} skipped (${run.firstError ?? 'too many in flight'})`);
    const extra = { ratePerSec, feed, sent: run.ops, received: farm.unique(t.indexes) - base, ...lat, publishAck: ack };
    const ackWhat = feed === 'http' ? '202' : 'PubAck';
    results.add({ id: `platform.latency.${feed}.p50`, section: 'platform', label: `latency p50, ${label} -> receiver at ${ratePerSec}/s (half max)`, value: lat.p50, unit: 'ms', note: `${ackWhat} after ${ack.p50} ms`, extra });
    results.add({ id: `platform.latency.${feed}.p99`, section: 'platform', label: `latency p99, ${label} -> receiver at ${ratePerSec}/s (half max)`, value: lat.p99, unit: 'ms', note: `${ackWhat} after ${ack.p99} ms`, extra });
    await settle(ctx, `latency (${feed})`);
  }
}

/** 1 event -> N receivers. */
export async function fanout(ctx: Ctx): Promise<void> {
  const { o, farm, results } = ctx;
  const n = o.fanoutReceivers;
  const t = await readyTenant(ctx, 'bench-fanout', n);
  const cpu = cpuMeter(ctx);
  const f = await feedWindowed({
    total: o.fanoutEvents,
    window: o.window * n,
    perEvent: n,
    maxMs: o.scenarioSeconds * 1000,
    publish: (i) => t.publish(i, o.feed),
    received: () => farm.unique(t.indexes),
    lastReceivedAt: () => farm.lastAt(t.indexes),
    progress: (ms) => farm.progress(ms),
  });
  const loggedAt = await logCaughtUp(ctx, 60_000);
  const cpuUse = cpu.end(f.delivered, 'delivery');
  const r = feedRow(f, loggedAt);
  if (!f.complete) results.errors.push(`fan-out: only ${f.delivered} of ${f.events * n} deliveries arrived within ${o.scenarioSeconds} s`);
  results.add({
    id: 'platform.fanout',
    section: 'platform',
    label: `fan-out, 1 event -> ${n} receivers (deliveries, logged)`,
    value: r.loggedRate,
    unit: 'deliveries/s',
    ratioTo: 'platform.delivered',
    note: `${rate(f.events, r.loggedMs ?? r.deliveredMs)} events/s`,
    extra: { ...f, ...r, signatures: checkSignatures(ctx, t, 'fan-out'), cpu: cpuUse },
  });
  await settle(ctx, 'fan-out');
}

/** N events queued while the dispatcher is stopped, then drained; compared with the steady rate. */
export async function backlog(ctx: Ctx): Promise<void> {
  const { o, b, farm, results } = ctx;
  const t = await readyTenant(ctx, 'bench-backlog', 1);
  const dispatcher = b.stack.services.dispatcher;
  await dispatcher.stop();
  const base = farm.unique(t.indexes);
  const pub = await closedLoop({ concurrency: o.feed === 'nats' ? 256 : 64, maxOps: o.backlog, maxMs: 180_000, op: (i) => t.publish(i, o.feed) });
  if (pub.errors) results.errors.push(`backlog: ${pub.errors} publish errors (${pub.firstError})`);
  console.log(`[bench]   (queued ${pub.ops} events in ${(pub.elapsedMs / 1000).toFixed(1)} s with the dispatcher stopped)`);
  const orders0 = await orderHandOuts(b.jsm);
  const startAt = nowMs();
  await dispatcher.start();
  const readyAt = nowMs();
  b.cpuGroups(); // notes the new dispatcher's pid
  b.profileFromHere();
  const cpu = cpuMeter(ctx);
  const drained = await until(() => farm.unique(t.indexes) - base >= pub.ops, o.backlogTimeoutSeconds * 1000, 20);
  const got = farm.unique(t.indexes) - base;
  const lastAt = drained ? farm.lastAt(t.indexes) : nowMs();
  const loggedAt = drained ? await logCaughtUp(ctx, 120_000) : undefined;
  const cpuUse = cpu.end(got, 'delivery');
  const orderDeliveries = (await orderHandOuts(b.jsm)) - orders0;
  const handedOut = round(orderDeliveries / Math.max(1, got), 1);
  console.log(`[bench]     the dispatcher was handed ${orderDeliveries} orders (${handedOut} per delivery made): deferred orders come back again and again`);
  const drainMs = lastAt - readyAt;
  const loggedMs = loggedAt ? loggedAt - readyAt : undefined;
  if (!drained) results.errors.push(`backlog: ${got} of ${pub.ops} delivered within ${o.backlogTimeoutSeconds} s of the dispatcher's start`);
  results.add({
    id: 'platform.backlog',
    section: 'platform',
    label: `backlog drain, ${pub.ops.toLocaleString('en-US')} events queued with the dispatcher stopped (logged)`,
    value: loggedMs ? rate(got, loggedMs) : rate(got, drainMs),
    unit: 'deliveries/s',
    ratioTo: 'platform.delivered',
    note: `${drained ? 'drained' : 'NOT drained'} in ${(drainMs / 1000).toFixed(1)} s after the dispatcher was ready (start took ${((readyAt - startAt) / 1000).toFixed(1)} s); ${handedOut} order hand-outs and ${round(Object.values(cpuUse.msPerOp).reduce((a, v) => a + (Number.isFinite(v) ? v : 0), 0), 1)} ms CPU per delivery`,
    extra: { queued: pub.ops, delivered: got, drainMs, loggedMs, startMs: readyAt - startAt, publishMs: pub.elapsedMs, orderDeliveries, orderDeliveriesPerDelivery: handedOut, signatures: checkSignatures(ctx, t, 'backlog'), cpu: cpuUse },
  });
  // Last scenario: what did not drain is stopped with the stack.
  if (drained) await settle(ctx, 'backlog', 120_000);
}

/**
 * N receivers: first all healthy, then one of them hangs until the egress deadline.
 * The other receivers' rate in the second phase against the first (same tenant, one
 * right after the other, so the machine is as busy in both).
 */
export async function isolation(ctx: Ctx): Promise<void> {
  const { o, farm, results } = ctx;
  const n = o.fanoutReceivers;
  const t = await readyTenant(ctx, 'bench-isolation', n);
  const [hanging, ...healthy] = t.indexes;
  const phase = async (first: number, counted: number[], perEvent: number) =>
    feedWindowed({
      total: o.isolationEvents,
      window: o.window * perEvent,
      perEvent,
      maxMs: o.scenarioSeconds * 1000,
      publish: (i) => t.publish(first + i, o.feed),
      received: () => farm.unique(counted),
      lastReceivedAt: () => farm.lastAt(counted),
      progress: (ms) => farm.progress(ms),
    });
  const all = await phase(0, t.indexes, n);
  await settle(ctx, 'isolation (all healthy)');
  const allPerReceiver = rate(all.delivered, all.endedAt - all.startedAt) / n;

  await farm.configure(hanging, { mode: 'hang' });
  const hung0 = farm.counts(hanging).hung;
  const cpu = cpuMeter(ctx);
  const f = await phase(o.isolationEvents, healthy, n - 1);
  const cpuUse = cpu.end(f.delivered, 'healthy delivery');
  const hung = farm.counts(hanging).hung - hung0;
  const perReceiver = rate(f.delivered, f.endedAt - f.startedAt) / (n - 1);
  if (!all.complete) results.errors.push(`isolation: only ${all.delivered} of ${all.events * n} deliveries arrived within ${o.scenarioSeconds} s (all healthy)`);
  if (!f.complete) results.errors.push(`isolation: only ${f.delivered} of ${f.events * (n - 1)} healthy deliveries arrived within ${o.scenarioSeconds} s`);
  results.add({
    id: 'platform.isolation.perReceiver',
    section: 'platform',
    label: `isolation: per healthy receiver while 1 of ${n} hangs ${o.egressDeadline}`,
    value: round(perReceiver, 1),
    unit: 'deliveries/s',
    note: `all ${n} healthy just before: ${round(allPerReceiver, 1)}/s per receiver`,
    extra: { allHealthy: all, oneHanging: f, hungRequests: hung, allPerReceiver, signatures: checkSignatures(ctx, t, 'isolation'), cpu: cpuUse },
  });
  results.add({
    id: 'platform.isolation',
    section: 'platform',
    label: `isolation: healthy receivers' rate, 1 of ${n} hanging vs all ${n} healthy`,
    value: allPerReceiver > 0 ? round(perReceiver / allPerReceiver, 3) : NaN,
    unit: 'x',
    note: `${hung} requests to the hanging receiver, each held until the deadline`,
  });
  // Let the hanging receiver answer again, so what is left drains before the next scenario.
  await farm.configure(hanging, { mode: 'ok' });
  await sleep(100);
  await settle(ctx, 'isolation', 60_000);
}
