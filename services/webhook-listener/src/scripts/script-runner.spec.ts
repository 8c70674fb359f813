import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '@hookline/observability';
import { Worker } from 'node:worker_threads';
import { MAX_SCRIPT_RECORD_BYTES, SCRIPT_RETRY_AFTER_SECONDS, ScriptRunner, type ScriptLimits, type ScriptOutcome, type ScriptRequest } from './script-runner';
import { runIn as runOnce, runScript } from './script-run';
import { ENGINE_INITIAL_BYTES, KEPT_ENGINES, maximumPages, ScriptEngines } from './script-engines';
import { cpuBudget, threadCpuMs } from './cpu-budget';
import type { ScriptThreadData } from './script-worker';

const request: ScriptRequest = {
  method: 'POST',
  headers: { 'x-event': 'order.paid' },
  query: { source: 'shop' },
  params: { serviceId: 's', listenerId: 'l' },
  body: { order: { id: 7, lines: [{ sku: 'A' }] } },
};
const limits = { timeoutMs: 50, memoryMb: 16 };
const quiet = { warn: () => undefined, error: () => undefined, info: () => undefined } as unknown as Logger;

/**
 * A runner whose threads are real script threads, except for three sources, each of which
 * says it started, as a script does, then: 'hang' blocks its thread (using no CPU time),
 * 'spin' loops where no interrupt handler reaches it, 'crash' throws out of the thread.
 * Its deadlines are the test's.
 */
class TrickRunner extends ScriptRunner {
  spawned = 0;

  constructor(
    threads: number,
    private readonly deadline: (l: ScriptLimits) => number,
    private readonly canStart = true,
  ) {
    super(quiet, { scriptThreads: threads });
  }

  protected override spawn(workerData: ScriptThreadData): Worker {
    if (!this.canStart) throw new Error('no threads today');
    this.spawned++;
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { threadCpuStamp } = require(${JSON.stringify(require.resolve('./cpu-budget'))});
      const tricks = {
        hang: () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0),
        spin: () => { for (;;); },
        crash: () => { throw new Error('crashed'); },
      };
      parentPort.on('message', (job) => {
        if (!tricks[job.source]) return;
        parentPort.postMessage({ kind: 'started', id: job.id, cpu: threadCpuStamp() });
        tricks[job.source]();
      });
      require(${JSON.stringify(require.resolve('./script-worker'))});`;
    return new Worker(code, { eval: true, workerData, execArgv: ['-r', '@swc-node/register'], stdout: false, stderr: false });
  }

  protected override deadlineMs(l: ScriptLimits): number {
    return this.deadline(l);
  }
}

const returns = (n: number) => `function transform() { return [${n}]; }`;
const patient = { timeoutMs: 60_000, memoryMb: 16 };

describe('listener scripts in QuickJS', () => {
  const runner = new ScriptRunner(quiet, { scriptThreads: 2 });
  after(() => runner.onModuleDestroy());
  const runIn = (_: unknown, source: string, req: ScriptRequest, l: typeof limits) => runner.run(source, req, l);
  const qjs = undefined;

  it('returns the records a script makes from the request', async () => {
    const out = await runIn(qjs, 'function transform(r) { return { id: r.body.order.id, event: r.headers["x-event"], from: r.query.source, lines: r.body.order.lines }; }', request, limits);
    assert.deepEqual(out, { kind: 'records', value: { id: 7, event: 'order.paid', from: 'shop', lines: [{ sku: 'A' }] } });
  });
  it('returning nothing leaves the request as it is', async () => assert.deepEqual(await runIn(qjs, 'function transform(r) {}', request, limits), { kind: 'records', value: undefined }));
  it('reject(message, status) refuses the request', async () => {
    assert.deepEqual(await runIn(qjs, 'function transform(r) { if (r.method === "POST") reject("orders come by PUT", 422); }', request, limits), { kind: 'rejected', message: 'orders come by PUT', status: 422 });
    assert.deepEqual(await runIn(qjs, 'function transform() { reject("no", 503); }', request, limits), { kind: 'rejected', message: 'no', status: 400 });
  });
  const failures: [string, string, RegExp][] = [
    ['a throw', 'function transform() { throw new TypeError("bad input"); }', /transform\(request\) failed: TypeError: bad input/],
    ['an endless loop', 'function transform() { for (;;) {} }', /time limit of 50 ms/],
    ['a memory blow-up', 'function transform() { var a = []; for (;;) a.push(new Array(100000).fill(1)); }', /memory limit of 16 MB/],
    ['unbounded recursion', 'function transform() { return (function f(n) { return f(n + 1) + 1; })(0); }', /stack overflow|too much recursion|InternalError/i],
    ['a syntax error', 'function transform( {', /failed to load: SyntaxError/],
    ['no transform function', 'var x = 1;', /must define function transform/],
  ];
  for (const [name, source, message] of failures) {
    it(`${name} fails that request only`, async () => {
      const out = await runIn(qjs, source, request, limits);
      assert.equal(out.kind, 'failed', JSON.stringify(out));
      if (out.kind === 'failed') assert.match(out.message, message);
      // The engine still serves the next request.
      assert.deepEqual(await runIn(qjs, 'function transform() { return [1]; }', request, limits), { kind: 'records', value: [1] });
    });
  }
  it('runs off the thread that serves requests: its timers fire while a script loops, and a quick script finishes before a looping one', async () => {
    // Both threads warm first (each compiles its engine on its first run).
    await Promise.all([0, 1].map(() => runIn(qjs, 'function transform() { for (var i = 0; i < 300000; i++) {} }', request, { timeoutMs: 1000, memoryMb: 16 })));
    const order: string[] = [];
    const looping = runIn(qjs, 'function transform() { for (;;) {} }', request, { timeoutMs: 400, memoryMb: 16 }).then((o) => {
      order.push('looping script');
      return o;
    });
    const timer = new Promise<void>((r) => setTimeout(() => (order.push('timer'), r()), 20));
    const quick = runIn(qjs, 'function transform(r) { return { id: r.body.order.id }; }', request, limits).then((o) => (order.push('quick script'), o));
    const [loopOutcome, , quickOutcome] = await Promise.all([looping, timer, quick]);
    assert.match(String((loopOutcome as { message?: string }).message), /time limit of 400 ms/);
    assert.deepEqual(quickOutcome, { kind: 'records', value: { id: 7 } });
    assert.equal(order.at(-1), 'looping script', `order: ${order.join(', ')}`);
  });
  it('has no file system, network, process, timers or require', async () => {
    const out = await runIn(qjs, 'function transform() { return [typeof require, typeof process, typeof setTimeout, typeof fetch, typeof XMLHttpRequest, typeof std, typeof os, typeof globalThis.Deno]; }', request, limits);
    assert.deepEqual(out, { kind: 'records', value: Array(8).fill('undefined') });
  });
  it('cannot reach the host through the prototype chain', async () => {
    const out = await runIn(qjs, 'function transform() { return [this.constructor.constructor("return typeof process")(), typeof Object.getPrototypeOf(function () {}).constructor("return this")().process]; }', request, limits);
    assert.deepEqual(out, { kind: 'records', value: ['undefined', 'undefined'] });
  });

  it('a run that outgrows its limit fails in its engine, whatever it allocates, and the memory stays bounded', async () => {
    const engines = new ScriptEngines();
    const blowUps = [
      'var a = []; for (;;) a.push("x".repeat(100000) + a.length);',
      'var a = []; for (;;) a.push(new Array(1000).fill("x"));',
      'var a = []; for (;;) a.push({ n: a.length });',
      'var a = []; for (;;) a.push(new Uint8Array(65536));',
    ];
    for (const body of blowUps) {
      const engine = await engines.acquire(16);
      const { outcome } = runOnce(engine, `function transform() { ${body} }`, request, { timeoutMs: 1000, memoryMb: 16 });
      assert.equal(outcome.kind, 'failed', body);
      if (outcome.kind === 'failed') assert.match(outcome.message, /memory limit of 16 MB/, body);
      assert.ok(engine.memory.buffer.byteLength <= maximumPages(16) * 65536, `${body}: ${engine.memory.buffer.byteLength} bytes`);
      // The instance grew, so it is dropped: the next run gets a fresh one at the initial size.
      assert.deepEqual(engines.release(engine, { broken: false }), { dropped: true });
      const next = await engines.acquire(16);
      assert.notEqual(next, engine);
      assert.equal(next.memory.buffer.byteLength, ENGINE_INITIAL_BYTES);
    }
  });

  it('the limit is the memory a script may hold: 20 MB fits in 32, not in 16', async () => {
    const holds20Mb = 'function transform() { var a = []; for (var i = 0; i < 200; i++) a.push("x".repeat(100000) + i); return [a.length]; }';
    assert.deepEqual(await runner.run(holds20Mb, request, { timeoutMs: 1000, memoryMb: 32 }), { kind: 'records', value: [200] });
    const out = await runner.run(holds20Mb, request, { timeoutMs: 1000, memoryMb: 16 });
    assert.equal(out.kind, 'failed');
    // A request larger than the limit fails before it enters the engine (listeners take 1 MB at most).
    const big = { ...request, body: { text: 'y'.repeat(24 * 1024 * 1024) } };
    const tooBig = await runner.run('function transform(r) { return [r.body.text.length]; }', big, { timeoutMs: 1000, memoryMb: 8 });
    assert.deepEqual(tooBig, { kind: 'failed', message: 'the request is larger than the memory limit of 8 MB' });
    assert.deepEqual(await runner.run('function transform() { return [1]; }', request, { timeoutMs: 1000, memoryMb: 8 }), { kind: 'records', value: [1] });
  });

  it('a script that throws null itself is not taken for one out of memory, whatever its limit', async () => {
    for (const memoryMb of [1, 16, 64]) {
      const out = await runner.run('function transform() { throw null; }', request, { timeoutMs: 1000, memoryMb });
      assert.deepEqual(out, { kind: 'failed', message: 'transform(request) failed: null' }, `${memoryMb} MB`);
    }
  });

  it('keeps an engine per memory limit, the least recently used dropped beyond the last few', async () => {
    const engines = new ScriptEngines();
    const first = await engines.acquire(1);
    for (let mb = 2; mb <= KEPT_ENGINES + 1; mb++) await engines.acquire(mb);
    assert.equal(engines.size, KEPT_ENGINES);
    assert.notEqual(await engines.acquire(1), first, 'the oldest was dropped');
    const kept = await engines.acquire(KEPT_ENGINES + 1);
    assert.equal(await engines.acquire(KEPT_ENGINES + 1), kept);
    assert.deepEqual(engines.release(kept, { broken: false }), { dropped: false });
    assert.deepEqual(engines.release(kept, { broken: true }), { dropped: true });
    assert.notEqual(await engines.acquire(KEPT_ENGINES + 1), kept);
    // A script thread keeps its share of the service's engines.
    const shared = new ScriptEngines(undefined, 2);
    for (const mb of [1, 2, 3]) await shared.acquire(mb);
    assert.equal(shared.size, 2);
  });

  it('a record larger than MAX_SCRIPT_RECORD_BYTES as JSON fails the request, naming it; records within it pass, whatever they come to together', async () => {
    const l = { timeoutMs: 1000, memoryMb: 16 };
    // (The outcome's kind or message: a failure shows no megabyte of records.)
    const said = (o: ScriptOutcome) => (o.kind === 'records' ? `records: ${JSON.stringify(o.value).length} chars` : o.message);
    const twoRecords = await runner.run(`function transform() { return [{ id: 1 }, { id: 2, text: "x".repeat(${MAX_SCRIPT_RECORD_BYTES}) }]; }`, request, l);
    const bytes = MAX_SCRIPT_RECORD_BYTES + '{"id":2,"text":""}'.length;
    assert.equal(twoRecords.kind, 'failed', said(twoRecords));
    assert.equal(said(twoRecords), `transform(request) returned a record too large: record 1 is ${bytes} bytes as JSON; a record may be at most ${MAX_SCRIPT_RECORD_BYTES} bytes`);
    // One record, not in an array, is record 0; its size is in bytes (é takes two).
    const one = await runner.run(`function transform() { return { text: "é".repeat(${MAX_SCRIPT_RECORD_BYTES / 2}) }; }`, request, l);
    assert.equal(one.kind, 'failed', said(one));
    assert.match(said(one), new RegExp(`record 0 is ${MAX_SCRIPT_RECORD_BYTES + '{"text":""}'.length} bytes`));
    const within = await runner.run(`function transform() { var s = "x".repeat(${MAX_SCRIPT_RECORD_BYTES - 100}); return [{ s: s }, { s: s }, { s: s }]; }`, request, l);
    assert.equal(within.kind, 'records', said(within));
    if (within.kind === 'records') assert.equal((within.value as unknown[]).length, 3);
  });

  it('an engine for a limit may grow to the limit and the engine\'s own needs, and always beyond its initial memory', () => {
    assert.equal(maximumPages(1), 272);
    assert.equal(maximumPages(16), (21 * 1024 * 1024) / 65536);
    assert.equal(maximumPages(64), (69 * 1024 * 1024) / 65536);
  });
});

describe('script threads that fail, which is not the script\'s fault', () => {
  it('a thread that stops answering: its run may be sent again, the requests waiting run on a fresh thread, and one that waited as long as a run may take is answered busy', async () => {
    const runner = new TrickRunner(1, (l) => l.timeoutMs);
    try {
      const hung = runner.run('hang', request, { timeoutMs: 300, memoryMb: 16 });
      const waiting = [1, 2, 3].map((n) => runner.run(returns(n), request, patient));
      const impatient = runner.run(returns(4), request, { timeoutMs: 50, memoryMb: 16 });
      assert.deepEqual(await Promise.all(waiting), [1, 2, 3].map((n) => ({ kind: 'records', value: [n] })));
      assert.deepEqual(await hung, { kind: 'unavailable', message: 'the script engine did not answer in time; try again', retryAfterSeconds: SCRIPT_RETRY_AFTER_SECONDS });
      assert.deepEqual(await impatient, { kind: 'unavailable', message: 'every script thread is busy; try again', retryAfterSeconds: 5 });
      assert.equal(runner.spawned, 2);
    } finally {
      await runner.onModuleDestroy();
    }
  });

  it('a script its engine cannot interrupt fails with its time limit once it has used that much CPU time', async () => {
    // A generous deadline: the looping thread needs 20 ms of CPU time within it, however
    // loaded the machine (the thread is started first, so that is not counted).
    const runner = new TrickRunner(1, (l) => (l.timeoutMs === 20 ? 2000 : 60_000));
    try {
      assert.deepEqual(await runner.run(returns(1), request, patient), { kind: 'records', value: [1] });
      const spun = runner.run('spin', request, { timeoutMs: 20, memoryMb: 16 });
      const waiting = runner.run(returns(2), request, patient);
      assert.deepEqual(await spun, { kind: 'failed', message: 'transform(request): exceeded the time limit of 20 ms' });
      assert.deepEqual(await waiting, { kind: 'records', value: [2] });
    } finally {
      await runner.onModuleDestroy();
    }
  });

  it('a thread that crashes: its run may be sent again, the requests waiting run on a fresh thread', async () => {
    const runner = new TrickRunner(1, () => 60_000);
    try {
      const crashed = runner.run('crash', request, patient);
      const waiting = runner.run(returns(2), request, patient);
      assert.deepEqual(await crashed, { kind: 'unavailable', message: 'the script engine failed; try again', retryAfterSeconds: SCRIPT_RETRY_AFTER_SECONDS });
      assert.deepEqual(await waiting, { kind: 'records', value: [2] });
    } finally {
      await runner.onModuleDestroy();
    }
  });

  it('a thread or an engine that cannot start: the request may be sent again', async () => {
    const runner = new TrickRunner(2, () => 60_000, false);
    assert.deepEqual(await runner.run(returns(1), request, patient), { kind: 'unavailable', message: 'the script engine could not start; try again', retryAfterSeconds: SCRIPT_RETRY_AFTER_SECONDS });
    await runner.onModuleDestroy();
    const engines = { acquire: () => Promise.reject(new Error('no memory left')) } as unknown as ScriptEngines;
    assert.deepEqual(await runScript(engines, returns(1), request, limits), {
      outcome: { kind: 'unavailable', message: 'the script engine could not start; try again', retryAfterSeconds: SCRIPT_RETRY_AFTER_SECONDS },
      problem: 'the script engine could not start: no memory left',
    });
  });
});

describe('the CPU budget of a script', () => {
  it('is over once the thread used more CPU than the limit, and the CPU clock is read only after as much wall time', () => {
    let wall = 0;
    let cpu = 0;
    let cpuReads = 0;
    const over = cpuBudget(50, { wall: () => wall, cpu: () => (cpuReads++, cpu) });
    assert.equal(cpuReads, 1);
    cpu = 70;
    wall = 50;
    assert.equal(over(), false, 'cannot have used more CPU than time passed');
    assert.equal(cpuReads, 1);
    wall = 200;
    cpu = 40;
    assert.equal(over(), false, 'a starved run within its CPU time');
    cpu = 51;
    assert.equal(over(), true);
  });

  it("reads this thread's CPU time, not that of the process's other threads", async () => {
    const before = threadCpuMs();
    const processBefore = process.cpuUsage();
    // Another thread uses 200 ms of its own CPU time while this one waits.
    const worker = new Worker(
      `const { threadCpuMs } = require(${JSON.stringify(require.resolve('./cpu-budget'))});
       const start = threadCpuMs(); let x = 0; while (threadCpuMs() - start < 200) x++;`,
      { eval: true, execArgv: ['-r', '@swc-node/register'] },
    );
    await new Promise((resolve, reject) => worker.once('exit', resolve).once('error', reject));
    const mine = threadCpuMs() - before;
    const processUsed = process.cpuUsage(processBefore);
    assert.ok(mine < 150, `this thread used ${mine} ms`);
    assert.ok((processUsed.user + processUsed.system) / 1000 >= 200, 'the process counted the other thread');
    // And it does count this thread's work: a loop until the process has used 30 ms of CPU
    // (not of wall time, which a loaded machine can spend running something else).
    const start = threadCpuMs();
    const p0 = process.cpuUsage();
    for (;;) {
      const u = process.cpuUsage(p0);
      if ((u.user + u.system) / 1000 >= 30) break;
    }
    assert.ok(threadCpuMs() - start > 15, `this thread's loop counted ${threadCpuMs() - start} ms`);
  });
});
