// The platform scenarios. Each one has its own tenant (so no receiver sees another
// scenario's events), starts from a quiet platform, and is bounded in count and time.
import { cpus } from 'node:os';
import { Pool } from 'undici';
import { CONSUMERS } from '@hookline/contracts';
import { nowMs, sleep } from '../lib/clock';
import { cpuDelta, perOp, sampleCpu, sampleMachineCpu, sampleSyscalls, windowCpu, windowCpuText, type CpuSample, type WindowCpu } from '../lib/cpu';
import { closedLoop, openLoop, until } from '../lib/load';
import { natsWork, readNatsCounts } from '../lib/nats-varz';
import { collectOwnGarbage } from '../lib/own-gc';
import { eventData } from '../lib/payload';
import type { BenchOptions } from '../lib/options';
import type { ReceiverFarm } from '../lib/receiver-farm';
import { completeness, type Results } from '../lib/results';
import { percentileOf, rate, round, summarize } from '../lib/stats';
import { consumerBacklog, orderHandOuts, type BenchStack } from './bench-stack';
import { feedWindowed, type FeedResult } from './feed';
import { backgroundLine, PgStats, vacuumEverything } from './pg-stats';
import { awaitReceiversLive, createTenant, type BenchTenant } from './tenant';
import { gatewayNote, memory, mb, mib, pauseFigures, pausesBetween, pausesIn, pauseText, snapshots, watchOwnSide, workDelta, type Snapshots } from './instances';

export interface Ctx {
  o: BenchOptions;
  b: BenchStack;
  farm: ReceiverFarm;
  results: Results;
  pg: PgStats;
}

/**
 * CPU seconds per process group from now until end(); printed with the cost per operation.
 * The figures per operation are raw (NaN with no operation): rounded only where printed.
 */
function cpuMeter(ctx: Ctx): { end(ops: number, what: string): { seconds: CpuSample; msPerOp: CpuSample; totalMs: number } } {
  const before = sampleCpu(ctx.b.cpuGroups());
  return {
    end(ops, what) {
      const seconds = cpuDelta(before, sampleCpu(ctx.b.cpuGroups()));
      const { msPerOp, totalMs } = perOp(seconds, ops);
      const total = Object.values(seconds).reduce((a, b) => a + b, 0);
      console.log(`[bench]     cpu: ${round(total, 1)} s in all, ${round(totalMs, 2)} ms per ${what} (${msText(msPerOp)})`);
      return { seconds, msPerOp, totalMs };
    },
  };
}

/** "dispatcher 0.123, nats-server 0.05, …": the heaviest first, `limit` of them. */
function msText(msPerOp: CpuSample, limit = Infinity): string {
  return Object.entries(msPerOp)
    .sort((a, z) => z[1] - a[1])
    .slice(0, limit)
    .map(([k, v]) => `${k} ${round(v, 3)}`)
    .join(', ');
}

/**
 * The CPU of a window, machine-wide against each watched process (percent of one core):
 * whether a latency run had the machine to itself, and who else was busy in it.
 */
export function cpuWindow(ctx: Ctx): { end(): WindowCpu | undefined } {
  const procs = sampleCpu(ctx.b.cpuGroups());
  const machine = sampleMachineCpu();
  const t0 = nowMs();
  return {
    end() {
      const seconds = (nowMs() - t0) / 1000;
      const after = sampleMachineCpu();
      if (!machine || !after) return undefined;
      return windowCpu(cpuDelta(procs, sampleCpu(ctx.b.cpuGroups())), machine, after, seconds);
    },
  };
}

async function settle(ctx: Ctx, what: string, maxMs = 60_000): Promise<void> {
  if (!(await ctx.b.quiet(maxMs))) ctx.results.errors.push(`the platform was not quiet ${Math.round(maxMs / 1000)} s after ${what}`);
  await vacuumed(ctx.b, what);
}

/** PostgreSQL's deferred work left by what ran before (vacuumEverything), done before the next window. */
export async function vacuumed(b: BenchStack, what: string): Promise<void> {
  const ms = await vacuumEverything(b.stack.postgres?.url() ?? b.databaseUrl);
  if (ms >= 1000) console.log(`[bench]     PostgreSQL vacuumed after ${what} in ${(ms / 1000).toFixed(1)} s`);
}

/**
 * Waits until the webhook log has projected every lifecycle event published so far, and the
 * audit log has taken up every event (its last batch belongs to the window being measured).
 */
async function logCaughtUp(ctx: Ctx, maxMs: number): Promise<number | undefined> {
  const consumers = [CONSUMERS.auditDeliveries, CONSUMERS.auditEvents, CONSUMERS.dispatcherOrders, CONSUMERS.dispatcherFirstAttempts];
  const ok = await until(
    async () => {
      for (const c of consumers) {
        const b = await consumerBacklog(ctx.b.jsm, c);
        if (b.pending !== 0 || b.ackPending !== 0) return false;
      }
      return true;
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

/** Sums a work counter over every instance of a service (replicas included). */
function sumWork(work: Map<string, Record<string, number>>, service: string, counter: string | RegExp): number {
  let n = 0;
  for (const [name, w] of work) {
    if (name !== service && !name.startsWith(`${service}#`)) continue;
    for (const [k, v] of Object.entries(w)) if (typeof counter === 'string' ? k === counter : counter.test(k)) n += v;
  }
  return n;
}

/** How the dispatcher worked in a window: batching of signer requests and facts, first attempts made at once, hand-backs. */
export function workSummary(work: Map<string, Record<string, number>>): { line: string; figures: Record<string, number> } {
  const attempts = sumWork(work, 'dispatcher', 'attempts');
  const inline = sumWork(work, 'dispatcher', 'attempts.inline');
  const signerRequests = sumWork(work, 'dispatcher', 'signer.requests');
  const facts = sumWork(work, 'dispatcher', 'facts');
  const factMessages = sumWork(work, 'dispatcher', 'facts.messages');
  const handedBack = sumWork(work, 'dispatcher', 'orders.handed-back');
  const parked = sumWork(work, 'dispatcher', 'orders.parked');
  const parkedFromFanOut = sumWork(work, 'dispatcher', 'orders.parked.from-fan-out');
  const redelivered = sumWork(work, 'dispatcher', /^redelivered\./);
  // Every message the broker took in or sent out meanwhile (all streams, all clients, the bench's included).
  const natsIn = sumWork(work, 'nats-server', 'messages.in');
  const natsOut = sumWork(work, 'nats-server', 'messages.out');
  const figures = { attempts, inline, signerRequests, facts, factMessages, handedBack, parked, parkedFromFanOut, redelivered, natsIn, natsOut };
  const per = (a: number, b: number, digits = 1) => (b > 0 ? round(a / b, digits) : NaN);
  const broker = work.has('nats-server') && attempts > 0 ? `; nats-server ${per(natsIn, attempts)} messages in and ${per(natsOut, attempts)} out per attempt` : '';
  // System calls per attempt of the processes that make most of them (every dispatcher replica together).
  const calls = ['dispatcher', 'signer', 'audit-log', 'nats-server']
    .map((name) => ({ name, writes: sumWork(work, name, 'syscalls.write'), reads: sumWork(work, name, 'syscalls.read') }))
    .filter((c) => c.writes + c.reads > 0);
  const syscalls = attempts > 0 && calls.length > 0 ? `; system calls per attempt (writes/reads): ${calls.map((c) => `${c.name} ${per(c.writes, attempts, 2)}/${per(c.reads, attempts, 2)}`).join(', ')}` : '';
  // Preemptions per attempt: with more busy processes than cores, each is taken off its core more often, and resumes with cold caches.
  const preempted = ['dispatcher', 'signer', 'audit-log', 'nats-server', 'postgres', 'bench (load, receivers)']
    .map((name) => ({ name, n: sumWork(work, name, 'switches.involuntary') }))
    .filter((c) => c.n > 0);
  const switches = attempts > 0 && preempted.length > 0 ? `; involuntary context switches per attempt: ${preempted.map((c) => `${c.name} ${per(c.n, attempts, 2)}`).join(', ')}` : '';
  const line = `${attempts} attempts, ${attempts > 0 ? Math.round((100 * inline) / attempts) : 0}% straight from fan-out; ${per(attempts, signerRequests)} attempts per signer request; ${per(facts, factMessages)} facts per message; ${handedBack} hand-backs, ${parked} parked${parkedFromFanOut > 0 ? ` (${parkedFromFanOut} straight from fan-out)` : ''}, ${redelivered} redeliveries${broker}${syscalls}${switches}`;
  return { line, figures };
}

/** Runs `fn` between two /health snapshots and prints what the instances did. */
async function withWork<T>(ctx: Ctx, fn: () => Promise<T>): Promise<{ value: T; work: Map<string, Record<string, number>>; before: Snapshots; after: Snapshots; from: number; to: number }> {
  const monitor = ctx.b.stack.nats.monitorUrl;
  const before = await snapshots(ctx.b);
  const natsBefore = await readNatsCounts(monitor);
  const callsBefore = sampleSyscalls(ctx.b.cpuGroups());
  const from = Date.now();
  const value = await fn();
  const to = Date.now();
  const callsAfter = sampleSyscalls(ctx.b.cpuGroups());
  const natsAfter = await readNatsCounts(monitor);
  const after = await snapshots(ctx.b);
  const work = workDelta(before, after);
  const broker = natsWork(natsBefore, natsAfter);
  if (broker) work.set('nats-server', broker);
  for (const [name, a] of Object.entries(callsAfter)) {
    const b = callsBefore[name];
    if (!b) continue;
    work.set(name, {
      ...(work.get(name) ?? {}),
      'syscalls.read': a.reads - b.reads,
      'syscalls.write': a.writes - b.writes,
      'switches.voluntary': a.voluntary - b.voluntary,
      'switches.involuntary': a.involuntary - b.involuntary,
    });
  }
  console.log(`[bench]     work: ${workSummary(work).line}`);
  return { value, work, before, after, from, to };
}

/**
 * Resident memory of every process now, as a row (the target reads the largest service and
 * the total), and for each service what V8 says of it (GET /health): its heap (used of
 * held) and external memory; the rest of the resident size is code, stacks and what the
 * C library's allocator keeps.
 */
export async function memoryRow(ctx: Ctx, id: string, when: string): Promise<void> {
  const m = memory(ctx.b);
  const v8 = await snapshots(ctx.b);
  const parts = Object.entries(m.perProcess)
    .sort((a, z) => z[1] - a[1])
    .map(([k, v]) => `${k} ${mb(v)}`)
    .join(', ');
  const inside = [...v8]
    .sort(([a], [z]) => (m.perProcess[z] ?? 0) - (m.perProcess[a] ?? 0))
    .map(([k, s]) => `${k} heap ${mb(s.runtime.heapUsedBytes)}/${mb(s.runtime.heapTotalBytes)}, external ${mb(s.runtime.externalBytes)}`)
    .join('; ');
  ctx.results.add({
    id,
    section: 'platform',
    label: `memory ${when}, the bench's stack, ${ctx.o.compiled ? 'compiled build (as npm start runs it)' : 'TypeScript path (HOOKLINE_RUN_COMPILED=0)'}: the largest service / the whole stack (MB resident; PostgreSQL as PSS; the launcher is the bench process)`,
    value: mib(m.servicesMax),
    unit: 'MB',
    note: `stack ${mb(m.total)} MB: ${parts}. V8 (MB used/held): ${inside}`,
    extra: {
      perProcessBytes: m.perProcess,
      totalBytes: m.total,
      servicesMaxBytes: m.servicesMax,
      v8: Object.fromEntries([...v8].map(([k, s]) => [k, { heapUsedBytes: s.runtime.heapUsedBytes, heapTotalBytes: s.runtime.heapTotalBytes, externalBytes: s.runtime.externalBytes }])),
    },
  });
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
  const perEvent = round(cpuAccepted.totalMs, 2);
  results.add({
    id: 'platform.accepted',
    section: 'platform',
    label: `accepted events (POST /v1/events via gateway, ${o.acceptedConcurrency} concurrent)`,
    value: rate(viaGateway.ops, viaGateway.elapsedMs),
    unit: 'events/s',
    ratioTo: 'baseline.js.sequential',
    note: `${perEvent} ms CPU per event (registry ${round(cpuAccepted.msPerOp.registry ?? NaN, 3)})`,
    extra: { ...viaGateway, cpu: cpuAccepted, ...completeness(viaGateway.errors === 0, () => `${viaGateway.errors} of ${viaGateway.ops + viaGateway.errors} requests not answered 202`) },
  });
  if (viaGateway.errors) results.errors.push(`accepted (gateway): ${viaGateway.errors} errors (${viaGateway.firstError})`);
  await settle(ctx, 'accepted events');
  // The 202's latency at half that rate (open loop: a slow answer does not slow the schedule).
  const half = Math.max(1, Math.floor(rate(viaGateway.ops, viaGateway.elapsedMs) / 2));
  const times: { at: number; ms: number }[] = [];
  let n = 1_000_000;
  const timed = async () => {
    const s0 = nowMs();
    const res = await b.gateway.request({
      path: '/v1/events',
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${b.operatorToken}` },
      body: JSON.stringify({ tenant: 'bench-ingest', topic: 'Bench.Ingest', object: { type: 'order', id: String(n++) }, data: eventData(n, nowMs()) }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 202) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
    times.push({ at: s0, ms: nowMs() - s0 });
  };
  const own = await watchOwnSide(b);
  const from = nowMs();
  const halfRun = await openLoop({ ratePerSec: half, durationMs: (o.quick ? 3 : 10) * 1000, maxOps: half * (o.quick ? 3 : 10), maxInFlight: 2000, op: timed });
  const to = nowMs();
  const side = await own.stop();
  const at = summarize(times.map((t) => t.ms));
  const p99 = percentileOf(times.map((t) => t.ms), 99);
  // Where the slowest 1 % were: in few 100 ms windows (stalls) or spread (queueing), and
  // which process paused (GC or otherwise) while they were in flight.
  const slow = times.filter((t) => t.ms >= at.p99);
  const windows = new Set(slow.map((t) => Math.floor(t.at / 100))).size;
  const pauses = pauseFigures(pausesIn(await snapshots(b), from, to, side.benchPauses), slow);
  const benchLoop = {
    p99: side.benchLoopP99,
    max: side.benchLoopMax,
    gateway: side.gateway,
    ...(side.gatewayLoop ? { gatewayP99: round(side.gatewayLoop.p99Ms), gatewayMax: round(side.gatewayLoop.maxMs) } : {}),
  };
  if (halfRun.errors || halfRun.skipped) results.errors.push(`accepted at half load: ${halfRun.errors} errors, ${halfRun.skipped} skipped (${halfRun.firstError ?? 'too many in flight'})`);
  results.add({
    id: 'platform.accepted.p99',
    section: 'platform',
    label: `POST /v1/events -> 202 at ${half}/s (half max), p99`,
    value: p99,
    unit: 'ms',
    note: `p50 ${at.p50} ms, max ${at.max} ms over ${times.length} requests; the slowest 1 % (${slow.length}) started in ${windows} 100 ms windows; bench event loop delay p99 ${benchLoop.p99} ms (max ${benchLoop.max}), ${gatewayNote(side.gateway, side.gatewayLoop)}; pauses >= 10 ms: ${pauseText(pauses, slow.length)}`,
    // A request that got no 202, or was never sent (too many in flight), is not in the p99: the run is partial.
    extra: {
      ratePerSec: half,
      ...at,
      sent: halfRun.ops,
      errors: halfRun.errors,
      skipped: halfRun.skipped,
      ...completeness(halfRun.errors === 0 && halfRun.skipped === 0, () => `${halfRun.errors} of ${halfRun.ops + halfRun.errors + halfRun.skipped} requests not answered 202, ${halfRun.skipped} not sent (too many in flight)`),
      tail: { slow: slow.length, windows, benchLoop, pauses },
    },
  });
  await settle(ctx, 'accepted events at half load');
  const direct = await run('registry');
  results.add({
    id: 'platform.accepted.direct',
    section: 'platform',
    label: `accepted events (POST straight to the registry, no gateway hop)`,
    value: rate(direct.ops, direct.elapsedMs),
    unit: 'events/s',
    ratioTo: 'baseline.js.sequential',
    extra: { ...direct, ...completeness(direct.errors === 0, () => `${direct.errors} of ${direct.ops + direct.errors} requests not answered 202`) },
  });
  if (direct.errors) results.errors.push(`accepted (direct): ${direct.errors} errors (${direct.firstError})`);
  await settle(ctx, 'accepted events (direct)');
}

function feedRow(f: FeedResult, loggedAt: number | undefined) {
  const deliveredMs = f.endedAt - f.startedAt;
  const loggedMs = loggedAt ? Math.max(loggedAt, f.endedAt) - f.startedAt : undefined;
  return { deliveredMs, loggedMs, deliveredRate: rate(f.delivered, deliveredMs), loggedRate: loggedMs ? rate(f.delivered, loggedMs) : 0 };
}

/** The delivered scenario's feed: 1 event -> 1 receiver, `first` onwards, at most `window` outstanding. */
function feedOne(ctx: Ctx, t: BenchTenant, first: number, total = ctx.o.delivered): Promise<FeedResult> {
  const { o, farm } = ctx;
  return feedWindowed({
    total,
    window: o.window,
    perEvent: 1,
    maxMs: o.scenarioSeconds * 1000,
    publish: (i) => t.publish(first + i, o.feed),
    received: () => farm.unique(t.indexes),
    lastReceivedAt: () => farm.lastAt(t.indexes),
    progress: (ms) => farm.progress(ms),
  });
}

/**
 * As many deliveries as a window measures, through the same processes, before it: the
 * HTTP baselines warm up too, and the first few thousand deliveries of a dispatcher that
 * has delivered nothing yet cost up to a fifth more while V8 compiles its code (see
 * replicas). Without it, the delivered scenario, the first to deliver, was measured cold.
 */
async function warmUp(ctx: Ctx, t: BenchTenant, first: number, what: string, total = ctx.o.delivered): Promise<void> {
  const warm = await feedOne(ctx, t, first, total);
  if (!warm.complete) ctx.results.errors.push(`${what}: a warm-up did not complete`);
  await logCaughtUp(ctx, 60_000);
  await settle(ctx, `${what} warm-up`);
}

/** 1 event -> 1 receiver, websub-signed, attempt logged; also counts PostgreSQL statements. */
export async function delivered(ctx: Ctx): Promise<void> {
  const { o, b, farm, results, pg } = ctx;
  const t = await readyTenant(ctx, 'bench-delivered', 1);
  await warmUp(ctx, t, 3_000_000, 'delivered', Math.ceil(o.delivered / 2));
  const before = await pg.reset();
  const orders0 = await orderHandOuts(b.jsm);
  const cpu = cpuMeter(ctx);
  let loggedAt: number | undefined;
  let after!: Awaited<ReturnType<PgStats['snapshot']>>;
  let cpuUse!: ReturnType<ReturnType<typeof cpuMeter>['end']>;
  const { value: f, work } = await withWork(ctx, async () => {
    const fed = await feedOne(ctx, t, 0);
    loggedAt = await logCaughtUp(ctx, 60_000);
    // Background work (pollers) keeps counting while we wait; the snapshot is taken as soon as the log caught up.
    after = await pg.snapshot();
    cpuUse = cpu.end(fed.delivered, 'delivery');
    return fed;
  });
  const orderDeliveries = (await orderHandOuts(b.jsm)) - orders0;
  const r = feedRow(f, loggedAt);
  if (!f.complete) results.errors.push(`delivered: only ${f.delivered} of ${f.events} deliveries arrived within ${o.scenarioSeconds} s`);
  if (f.publishErrors) results.errors.push(`delivered: ${f.publishErrors} publish errors (${f.firstError})`);
  if (!loggedAt) results.errors.push('delivered: the log did not catch up within 60 s');
  // Every figure of the scenario (rate, CPU and statements per delivery) rests on the whole window.
  const whole = completeness(f.complete && f.publishErrors === 0 && loggedAt !== undefined, () =>
    [!f.complete ? `${f.events - f.delivered} of ${f.events} deliveries missing` : '', f.publishErrors ? `${f.publishErrors} publish errors` : '', loggedAt ? '' : 'the log did not catch up'].filter(Boolean).join(', '),
  );
  const sig = checkSignatures(ctx, t, 'delivered');
  results.add({
    id: 'platform.delivered',
    section: 'platform',
    label: `delivered webhooks, 1 event -> 1 receiver (websub, attempt logged; feed ${o.feed}, ${o.window} outstanding)`,
    value: r.loggedRate,
    unit: 'deliveries/s',
    ratioTo: 'baseline.undici',
    note: loggedAt ? undefined : 'the log did not catch up in 60 s',
    extra: { ...f, ...r, signatures: sig, cpu: cpuUse, orderDeliveries, orderDeliveriesPerDelivery: round(orderDeliveries / Math.max(1, f.delivered), 2), work: Object.fromEntries(work), summary: workSummary(work).figures, ...whole },
  });
  // NaN when nothing was delivered: no deliveries is no figure, not a cost of 0.
  const cpuTotal = cpuUse.totalMs;
  const queue = results.get('baseline.queue');
  if (queue && r.loggedRate > 0) {
    const queueCpu = queue.extra?.cpuMsPerDelivery as number | undefined;
    results.add({
      id: 'platform.delivered.vsQueue',
      section: 'platform',
      label: 'delivered webhooks/s against the plain queue worker (baseline.queue, this run)',
      value: r.loggedRate / queue.value,
      unit: 'x',
      note: `${Math.round(r.loggedRate)} against ${Math.round(queue.value)} deliveries/s; CPU per delivery ${round(cpuTotal, 2)} ms against ${queueCpu ?? '?'} ms`,
      extra: { hookline: r.loggedRate, queue: queue.value, hooklineCpuMs: cpuTotal, queueCpuMs: queueCpu, ...whole },
    });
  }
  const d = PgStats.delta(before, after);
  results.add({
    id: 'platform.delivered.cpu',
    section: 'platform',
    label: 'CPU per delivered webhook, all processes (bench included)',
    value: cpuTotal,
    unit: 'ms',
    // PostgreSQL's share includes its own background work in the window (left by the scenarios before, often).
    note: `${msText(cpuUse.msPerOp, 4)}; at this cost ${cpus().length} idle cores would deliver at most ~${Math.round((cpus().length * 1000) / cpuTotal)}/s; PostgreSQL's own work in the window: ${backgroundLine(d.background)}`,
    extra: { ...cpuUse, postgresBackground: d.background, ...whole },
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

  results.add({
    id: 'platform.pg',
    section: 'platform',
    label: `PostgreSQL statements per delivered webhook (${d.method})`,
    value: f.delivered > 0 ? d.statements / f.delivered : NaN,
    unit: d.method === 'pg_stat_statements' ? 'statements' : 'transactions',
    note: `${d.statements} ${d.method === 'pg_stat_statements' ? 'statements' : 'commits'} for ${f.delivered} deliveries; ${d.tupInserted} rows inserted, ${d.tupUpdated} updated`,
    extra: { ...d, deliveries: f.delivered, logRows: { succeeded: inLog, attempts: Number(row?.attempts ?? 0) }, ...whole },
  });
  if (d.method === 'pg_stat_statements') console.log(`[bench]     executing them took ${Math.round(d.execMs)} ms (${round(d.execMs / Math.max(1, f.delivered), 3)} ms per delivery); calls, ms, WAL:`);
  for (const q of d.top) console.log(`[bench]     ${String(q.calls).padStart(6)} ${String(Math.round(q.ms)).padStart(6)} ms ${(q.walBytes / 1048576).toFixed(1).padStart(6)} MB  ${q.query}`);
  await settle(ctx, 'delivered');
  await memoryRow(ctx, 'platform.memory.loaded', 'after the delivered scenario');
}

/**
 * The delivered scenario with one dispatcher and then with two (a second process on the
 * same NATS and PostgreSQL), back to back on one tenant so both see the same machine:
 * the rates, the CPU per delivery of two against one, and how the attempts were shared.
 * On 2 cores the second replica cannot add much speed; what it must not do is cost more
 * per delivery.
 */
export async function replicas(ctx: Ctx): Promise<void> {
  const { o, b, results } = ctx;
  const t = await readyTenant(ctx, 'bench-replicas', 1);
  const measure = async (first: number) => {
    const cpu = cpuMeter(ctx);
    let cpuUse!: ReturnType<ReturnType<typeof cpuMeter>['end']>;
    let loggedAt: number | undefined;
    const { value: f, work } = await withWork(ctx, async () => {
      const fed = await feedOne(ctx, t, first);
      loggedAt = await logCaughtUp(ctx, 60_000);
      cpuUse = cpu.end(fed.delivered, 'delivery');
      return fed;
    });
    if (!f.complete) results.errors.push(`replicas: only ${f.delivered} of ${f.events} deliveries arrived within ${o.scenarioSeconds} s`);
    if (!loggedAt) results.errors.push('replicas: the log did not catch up within 60 s');
    await settle(ctx, 'replicas');
    return { f, r: feedRow(f, loggedAt), cpuUse, total: cpuUse.totalMs, logged: loggedAt !== undefined, work };
  };
  // Each window comes after as many deliveries as it measures, through the same processes:
  // a new dispatcher's first few thousand deliveries cost up to a fifth more while V8
  // compiles its code (with a warm-up of a quarter of that, the second replica spent 0.28
  // ms per delivery against the first's 0.23; with a whole one, 0.245–0.248 against
  // 0.248–0.254), and with --only the first one is as new.
  await warmUp(ctx, t, 3_000_000, 'replicas');
  // The windows go one, two, two, one (each figure is the mean of its two): the machine's
  // speed drifts over a minute (in one full run the single dispatcher's window cost 1.07
  // ms per delivery and the pair's, right after, 1.82; in the run before the pair's was the
  // cheaper), and that order cancels a drift that runs one way through the four.
  const oneFirst = await measure(0);
  const replica = await b.stack.addReplica('dispatcher');
  let twos: Awaited<ReturnType<typeof measure>>[];
  try {
    b.cpuGroups();
    await warmUp(ctx, t, 2_000_000, 'replicas');
    twos = [await measure(1_000_000), await measure(1_500_000)];
  } finally {
    await replica.stop();
    b.stack.replicas.dispatcher.splice(b.stack.replicas.dispatcher.indexOf(replica), 1);
    b.cpuGroups();
  }
  const ones = [oneFirst, await measure(500_000)];
  const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const oneRate = round(mean(ones.map((w) => w.r.loggedRate)), 1);
  const twoRate = round(mean(twos.map((w) => w.r.loggedRate)), 1);
  // Raw: the ratio of the two is what the target reads (NaN when a window delivered nothing).
  const oneMs = mean(ones.map((w) => w.total));
  const twoMs = mean(twos.map((w) => w.total));
  const partial = [...ones, ...twos].filter((w) => !w.f.complete || !w.logged).length;
  const attempts = twos
    .flatMap((w) => [...w.work])
    .filter(([k]) => k === 'dispatcher' || k.startsWith('dispatcher#'))
    .reduce((m, [k, w]) => m.set(k, (m.get(k) ?? 0) + (w.attempts ?? 0)), new Map<string, number>());
  const all = [...attempts.values()].reduce((a, n) => a + n, 0);
  const shares = [...attempts].map(([k, n]) => `${k} ${all > 0 ? Math.round((100 * n) / all) : 0}%`).join(', ');
  const inOrder = [ones[0], ...twos, ones[1]].map((w) => w.total);
  const windows = (ws: typeof ones) => ws.map((w) => ({ ...w.f, ...w.r, cpu: w.cpuUse, totalMs: w.total, work: Object.fromEntries(w.work) }));
  const whole = completeness(partial === 0, () => `${partial} of 4 windows did not deliver fully or the log did not catch up`);
  results.add({
    id: 'platform.replicas.one',
    section: 'platform',
    label: 'delivered webhooks with 1 dispatcher, windows before and after those of the next row (1 event -> 1 receiver, as above)',
    value: oneRate,
    unit: 'deliveries/s',
    note: `${round(oneMs, 2)} ms CPU per delivery (windows ${ones.map((w) => `${Math.round(w.r.loggedRate)}/s at ${round(w.total, 2)} ms`).join(' and ')})`,
    extra: { windows: windows(ones), ...whole },
  });
  results.add({
    id: 'platform.replicas',
    section: 'platform',
    label: 'delivered webhooks with 2 dispatcher replicas (two windows between those of one)',
    value: twoRate,
    unit: 'deliveries/s',
    ratioTo: 'platform.replicas.one',
    note: `attempts: ${shares}`,
    extra: { windows: windows(twos), signatures: checkSignatures(ctx, t, 'replicas'), ...whole },
  });
  results.add({
    id: 'platform.replicas.cpu',
    section: 'platform',
    label: 'CPU per delivered webhook with 2 dispatcher replicas, all processes',
    value: twoMs,
    unit: 'ms',
    note: `${round(twoMs / oneMs, 2)}x the ${round(oneMs, 2)} ms with one (windows one, two, two, one: ${inOrder.map((ms) => round(ms, 2)).join(', ')} ms); ${workSummary(twos[0].work).line}`,
    extra: { ...twos[0].cpuUse, oneReplicaMs: oneMs, ratio: twoMs / oneMs, windowsMs: inOrder, ...whole },
  });
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
    collectOwnGarbage();
    await farm.recordLatency(true);
    acks = [];
    const base = farm.unique(t.indexes);
    const window = cpuWindow(ctx);
    const measured = await withWork(ctx, async () => {
      const r = await openLoop({ ...opts, durationMs: o.latencySeconds * 1000, maxOps: ratePerSec * o.latencySeconds });
      const arrived = await until(() => farm.unique(t.indexes) - base >= r.ops, 30_000, 20);
      return { ...r, arrived };
    });
    const cpu = window.end();
    const run = measured.value;
    const received = farm.unique(t.indexes) - base;
    const ack = summarize(acks);
    await farm.recordLatency(false);
    const split = await farm.latencySplit();
    const lat = summarize(split.total);
    // The p99 is of what arrived: an event that did not (or was never published, or skipped) makes the run partial, a MISS.
    const p99 = percentileOf(split.total, 99);
    const scheduled = run.ops + run.errors + run.skipped;
    const missing = Math.max(0, scheduled - received);
    const tail = tailOf(split.total, split.fromAttempt, measured, cpu);
    console.log(`[bench]     tail: ${tail.line}`);
    const label = feed === 'http' ? 'POST /v1/events' : 'JetStream publish';
    if (run.errors || run.skipped) results.errors.push(`latency (${feed}): ${run.errors} errors, ${run.skipped} skipped (${run.firstError ?? 'too many in flight'})`);
    if (!run.arrived) results.errors.push(`latency (${feed}): ${run.ops - received} of ${run.ops} published events did not arrive within 30 s`);
    const whole = completeness(run.arrived && missing === 0, () => `${missing} of ${scheduled} events missing (${run.errors} not published, ${run.skipped} skipped, ${Math.max(0, run.ops - received)} did not arrive)`);
    const extra = { ratePerSec, feed, sent: run.ops, received, errors: run.errors, skipped: run.skipped, missing, ...whole, ...lat, publishAck: ack, tail: tail.figures, work: Object.fromEntries(measured.work), ...(cpu ? { cpuWindow: cpu } : {}) };
    const ackWhat = feed === 'http' ? '202' : 'PubAck';
    results.add({ id: `platform.latency.${feed}.p50`, section: 'platform', label: `latency p50, ${label} -> receiver at ${ratePerSec}/s (half max)`, value: lat.p50, unit: 'ms', note: `${ackWhat} after ${ack.p50} ms`, extra });
    results.add({ id: `platform.latency.${feed}.p99`, section: 'platform', label: `latency p99, ${label} -> receiver at ${ratePerSec}/s (half max)`, value: p99, unit: 'ms', note: `${ackWhat} after ${ack.p99} ms; ${tail.line}`, extra });
    await settle(ctx, `latency (${feed})`);
  }
}

/**
 * Where the slowest 1% of a latency run spent their time, and what else happened in the
 * window: before the attempt started (publish, broker, consume, fan-out, waiting for the
 * receiver's turn) against from the attempt's start to arrival (signing, HTTP), the
 * redeliveries and hand-backs, and the pauses of 10 ms or more (GC, event-loop stalls)
 * each process reported.
 */
function tailOf(total: Float64Array, fromAttempt: Float64Array, m: { work: Map<string, Record<string, number>>; after: Snapshots; from: number; to: number }, cpu?: WindowCpu) {
  const idx = [...total.keys()].sort((a, z) => total[z] - total[a]);
  const slow = idx.slice(0, Math.max(1, Math.ceil(total.length / 100)));
  const attempt = slow.map((i) => fromAttempt[i]).filter(Number.isFinite);
  const before = slow.map((i) => total[i] - fromAttempt[i]).filter(Number.isFinite);
  const med = (xs: number[]) => (xs.length ? round([...xs].sort((a, z) => a - z)[Math.floor(xs.length / 2)], 1) : NaN);
  const w = workSummary(m.work).figures;
  const pauses = pausesBetween(m.after, m.from, m.to);
  const pauseText = [...pauses]
    .sort((a, z) => z[1].maxMs - a[1].maxMs)
    .map(([k, p]) => `${k} ${p.count} (max ${p.maxMs} ms, ${p.gc} GC)`)
    .join(', ');
  // The dispatcher's own count of stages that took 50 ms or more (see SLOW_MS): how many, and their median.
  const stages = ['to-handler', 'view', 'turn', 'signer'].map((st) => {
    const n = sumWork(m.work, 'dispatcher', `slow.${st}`);
    const ms = sumWork(m.work, 'dispatcher', `slow.${st}.ms`);
    return { stage: st, n, meanMs: n > 0 ? Math.round(ms / n) : 0 };
  });
  const stageText = stages.map((x) => `${x.stage} ${x.n}${x.n > 0 ? ` (mean ${x.meanMs} ms)` : ''}`).join(', ');
  const line = `slowest 1% (${slow.length}): median ${med(before)} ms before the attempt started, ${med(attempt)} ms attempt to arrival; stages >= 50 ms in the dispatcher: ${stageText} (to-handler: broker store to handler, view: registry up to date, turn: waiting for the receiver, signer: the signature); in the window ${w.redelivered} redeliveries, ${w.handedBack} hand-backs, ${w.parked} parked; pauses >= 10 ms: ${pauseText || 'none'}${cpu ? `; CPU in the window: ${windowCpuText(cpu)}` : ''}`;
  return { line, figures: { slowest: slow.length, beforeAttemptMedianMs: med(before), attemptToArrivalMedianMs: med(attempt), ...w, slowStages: stages, pauses: Object.fromEntries(pauses) } };
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
    note: `${round(rate(f.events, r.loggedMs ?? r.deliveredMs), 1)} events/s`,
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
  if (pub.ops < o.backlog) results.errors.push(`backlog: only ${pub.ops} of ${o.backlog} events queued within 180 s`);
  console.log(`[bench]   (queued ${pub.ops} events in ${(pub.elapsedMs / 1000).toFixed(1)} s with the dispatcher stopped)`);
  const orders0 = await orderHandOuts(b.jsm);
  const startAt = nowMs();
  await dispatcher.start();
  const readyAt = nowMs();
  b.cpuGroups(); // notes the new dispatcher's pid
  b.profileFromHere();
  const cpu = cpuMeter(ctx);
  let got = 0;
  let lastAt = 0;
  let loggedAt: number | undefined;
  let cpuUse!: ReturnType<ReturnType<typeof cpuMeter>['end']>;
  const { value: drained, work } = await withWork(ctx, async () => {
    const done = await until(() => farm.unique(t.indexes) - base >= pub.ops, o.backlogTimeoutSeconds * 1000, 20);
    got = farm.unique(t.indexes) - base;
    lastAt = done ? farm.lastAt(t.indexes) : nowMs();
    loggedAt = done ? await logCaughtUp(ctx, 120_000) : undefined;
    cpuUse = cpu.end(got, 'delivery');
    return done;
  });
  const orderDeliveries = (await orderHandOuts(b.jsm)) - orders0;
  const handedOut = round(orderDeliveries / Math.max(1, got), 1);
  // Fully drained: the backlog asked for (o.backlog) was queued, and all of it arrived.
  const whole = completeness(drained && pub.ops === o.backlog && got >= o.backlog, () => `${got} of ${o.backlog} events delivered (${pub.ops} queued)`);
  console.log(`[bench]     the dispatcher was handed ${orderDeliveries} events and orders (${handedOut} per delivery made; 1 means no hand-backs)`);
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
    note: `${drained ? 'drained' : 'NOT drained'} in ${(drainMs / 1000).toFixed(1)} s after the dispatcher was ready (start took ${((readyAt - startAt) / 1000).toFixed(1)} s); ${handedOut} hand-outs (events, orders) and ${round(cpuUse.totalMs, 1)} ms CPU per delivery`,
    extra: { target: o.backlog, queued: pub.ops, delivered: got, ...whole, drainMs, loggedMs, startMs: readyAt - startAt, publishMs: pub.elapsedMs, orderDeliveries, orderDeliveriesPerDelivery: handedOut, signatures: checkSignatures(ctx, t, 'backlog'), cpu: cpuUse, work: Object.fromEntries(work), summary: workSummary(work).figures },
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
  const allCpu = cpuMeter(ctx);
  const { value: all, work: allWork } = await withWork(ctx, () => phase(0, t.indexes, n));
  // Per delivery with all healthy, to set beside the hanging phase's per healthy delivery:
  // on a busy machine, what the hanging receiver's deliveries cost is taken from the others.
  const allCpuUse = allCpu.end(all.delivered, 'delivery (all healthy)');
  await settle(ctx, 'isolation (all healthy)');
  const allPerReceiver = rate(all.delivered, all.endedAt - all.startedAt) / n;

  await farm.configure(hanging, { mode: 'hang' });
  const hung0 = farm.counts(hanging).hung;
  const cpu = cpuMeter(ctx);
  const { value: f, work: hangingWork } = await withWork(ctx, () => phase(o.isolationEvents, healthy, n - 1));
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
    extra: {
      allHealthy: all,
      oneHanging: f,
      hungRequests: hung,
      allPerReceiver,
      signatures: checkSignatures(ctx, t, 'isolation'),
      cpu: cpuUse,
      cpuAllHealthy: allCpuUse,
      work: { allHealthy: workSummary(allWork).figures, oneHanging: workSummary(hangingWork).figures },
    },
  });
  results.add({
    id: 'platform.isolation',
    section: 'platform',
    label: `isolation: healthy receivers' rate, 1 of ${n} hanging vs all ${n} healthy`,
    value: allPerReceiver > 0 ? perReceiver / allPerReceiver : NaN,
    unit: 'x',
    // What the hanging receiver's deliveries cost the others: the hanging phase's CPU per
    // healthy delivery (all processes) against the all-healthy phase's per delivery.
    note: `${hung} requests to the hanging receiver, each held until the deadline; CPU per healthy delivery ${round(cpuUse.totalMs, 3)} ms against ${round(allCpuUse.totalMs, 3)} ms with all healthy (${round(cpuUse.totalMs / allCpuUse.totalMs, 2)}x)`,
    extra: completeness(all.complete && f.complete, () => `${all.complete ? '' : `all healthy: ${all.events * n - all.delivered} of ${all.events * n} deliveries missing; `}${f.complete ? '' : `one hanging: ${f.events * (n - 1) - f.delivered} of ${f.events * (n - 1)} healthy deliveries missing`}`.replace(/; $/, '')),
  });
  // Let the hanging receiver answer again, and delete it: its orders parked for later are
  // cancelled now instead of being released into the scenarios that follow.
  await farm.configure(hanging, { mode: 'ok' });
  const del = await ctx.b.operator.delete(`/v1/receivers/${t.receiverIds[0]}?tenant=${t.id}`);
  if (del.status !== 200) results.errors.push(`isolation: deleting the hanging receiver answered ${del.status}: ${del.text.slice(0, 200)}`);
  await sleep(100);
  await settle(ctx, 'isolation', 60_000);
}
