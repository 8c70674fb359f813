import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '@hookline/observability';
import { ScriptRunner, type ScriptRequest } from './script-runner';

const request: ScriptRequest = {
  method: 'POST',
  headers: { 'x-event': 'order.paid' },
  query: { source: 'shop' },
  params: { serviceId: 's', listenerId: 'l' },
  body: { order: { id: 7, lines: [{ sku: 'A' }] } },
};
const limits = { timeoutMs: 50, memoryMb: 16 };

describe('listener scripts in QuickJS', () => {
  const quiet = { warn: () => undefined, error: () => undefined, info: () => undefined } as unknown as Logger;
  const runner = new ScriptRunner(quiet);
  before(() => runner.onModuleInit());
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
  it('has no file system, network, process, timers or require', async () => {
    const out = await runIn(qjs, 'function transform() { return [typeof require, typeof process, typeof setTimeout, typeof fetch, typeof XMLHttpRequest, typeof std, typeof os, typeof globalThis.Deno]; }', request, limits);
    assert.deepEqual(out, { kind: 'records', value: Array(8).fill('undefined') });
  });
  it('cannot reach the host through the prototype chain', async () => {
    const out = await runIn(qjs, 'function transform() { return [this.constructor.constructor("return typeof process")(), typeof Object.getPrototypeOf(function () {}).constructor("return this")().process]; }', request, limits);
    assert.deepEqual(out, { kind: 'records', value: ['undefined', 'undefined'] });
  });
});
