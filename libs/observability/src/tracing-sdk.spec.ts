// The SDK's http instrumentation on a real node:http server: no query parameter's value
// (a listener token in /hooks/…?token=…) reaches a server span.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { TracingRuntime } from './tracing';
import { createTracingRuntime, redactedQuery } from './tracing-sdk';

describe('redactedQuery', () => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['/hooks/s/l', undefined],
    ['/hooks/s/l?', undefined],
    ['/hooks/s/l?token=SECRET', 'token=REDACTED'],
    ['/hooks/s/l?source=shop&key=SECRET&key=again', 'source=REDACTED&key=REDACTED'],
    ['/x?flag', 'flag=REDACTED'],
    ['/x?a=%53ECRET#frag', 'a=REDACTED'],
  ];
  for (const [url, expected] of cases) {
    it(`${String(url)} -> ${String(expected)}`, () => assert.equal(redactedQuery(url), expected));
  }
});

describe('incoming http spans', () => {
  const exporter = new InMemorySpanExporter();
  let runtime: TracingRuntime;
  let server: import('node:http').Server;
  let base: string;

  before(async () => {
    runtime = createTracingRuntime({ serviceName: 'test', version: '0', exporter, processor: (e) => new SimpleSpanProcessor(e), instrument: true });
    // Required only now: the instrumentation patches node:http as it is required.
    const http = require('node:http') as typeof import('node:http');
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await runtime.shutdown();
  });

  it('keeps no query value of a request in any span attribute', async () => {
    exporter.reset();
    const res = await fetch(`${base}/hooks/svc/listener?token=SECRET-TOKEN-1&source=SECRET-SOURCE-2`);
    assert.equal(await res.text(), 'ok');
    const spans = await (async () => {
      for (let i = 0; i < 50; i++) {
        const found = exporter.getFinishedSpans();
        if (found.length > 0) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      return exporter.getFinishedSpans();
    })();
    const serverSpan = spans.find((s) => s.attributes['url.path'] === '/hooks/svc/listener');
    assert.ok(serverSpan, `a server span for the request: ${JSON.stringify(spans.map((s) => s.attributes))}`);
    assert.equal(serverSpan.attributes['url.query'], 'token=REDACTED&source=REDACTED');
    for (const s of spans) {
      const seen = JSON.stringify({ name: s.name, attributes: s.attributes, events: s.events, status: s.status });
      assert.ok(!seen.includes('SECRET'), `a query value in span ${s.name}: ${seen}`);
    }
  });
});
