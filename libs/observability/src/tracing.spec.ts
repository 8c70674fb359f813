import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { createLogger } from './logger';
import { correlation } from './correlation';
import {
  captureTraceContext,
  extractTraceContext,
  headerRecord,
  injectTraceContext,
  inSpan,
  setTracingRuntime,
  spanContextOf,
  SpanKind,
  tracingActive,
  tracingPlan,
  withBatchContext,
  type TracingOptions,
  type TracingRuntime,
} from './tracing';
import { createTracingRuntime, samplerFor } from './tracing-sdk';

/** The value, or a failed test when there is none. */
function must<T>(v: T | undefined | null): T {
  assert.ok(v !== undefined && v !== null, 'expected a value');
  return v;
}

const BASE: TracingOptions = {
  otelSdkDisabled: false,
  otlpProtocol: 'http/protobuf',
  tracesSampler: 'parentbased_always_on',
  tracesSamplerArg: 1,
  tracesScheduleDelayMs: 5000,
  tracesOutboundTraceparent: true,
};
const ID = { service: 'dispatcher', version: '1.2.3' };

describe('tracingPlan', () => {
  const cases: [string, Partial<TracingOptions>, false | { url: string; serviceName?: string }][] = [
    ['nothing configured: off', {}, false],
    ['an endpoint: on, traces at <endpoint>/v1/traces', { otlpEndpoint: 'http://collector:4318' }, { url: 'http://collector:4318/v1/traces' }],
    ['a trailing slash is not doubled', { otlpEndpoint: 'http://collector:4318/' }, { url: 'http://collector:4318/v1/traces' }],
    ['a base path is kept', { otlpEndpoint: 'https://otel.example.com/otlp' }, { url: 'https://otel.example.com/otlp/v1/traces' }],
    ['the traces endpoint is used as it is', { otlpEndpoint: 'http://a:4318', otlpTracesEndpoint: 'http://b:9999/traces' }, { url: 'http://b:9999/traces' }],
    ['HOOKLINE_TRACING=otlp without an endpoint: the default collector', { tracing: 'otlp' }, { url: 'http://localhost:4318/v1/traces' }],
    ['HOOKLINE_TRACING=off wins over an endpoint', { tracing: 'off', otlpEndpoint: 'http://collector:4318' }, false],
    ['OTEL_SDK_DISABLED wins over everything', { tracing: 'otlp', otelSdkDisabled: true, otlpEndpoint: 'http://collector:4318' }, false],
    ['OTEL_SERVICE_NAME names the service', { otlpEndpoint: 'http://c:4318', otelServiceName: 'hookline-dispatcher-eu' }, { url: 'http://c:4318/v1/traces', serviceName: 'hookline-dispatcher-eu' }],
  ];
  for (const [name, given, expected] of cases) {
    it(name, () => {
      const plan = tracingPlan(ID, { ...BASE, ...given });
      if (expected === false) {
        assert.deepEqual(plan, { enabled: false });
        return;
      }
      assert.ok(plan.enabled);
      assert.equal(plan.url, expected.url);
      assert.equal(plan.serviceName, expected.serviceName ?? 'dispatcher');
      assert.equal(plan.version, '1.2.3');
    });
  }
});

describe('samplerFor', () => {
  it('maps OpenTelemetry sampler names, parent-based always-on by default', () => {
    assert.match(samplerFor('always_on', 1).toString(), /AlwaysOn/);
    assert.match(samplerFor('always_off', 1).toString(), /AlwaysOff/);
    assert.match(samplerFor('traceidratio', 0.25).toString(), /TraceIdRatioBased\{0\.25\}/);
    assert.match(samplerFor('parentbased_traceidratio', 0.5).toString(), /ParentBased\{root=TraceIdRatioBased\{0\.5\}/);
    assert.match(samplerFor('parentbased_always_off', 1).toString(), /ParentBased\{root=AlwaysOffSampler/);
    assert.match(samplerFor('parentbased_always_on', 1).toString(), /ParentBased\{root=AlwaysOnSampler/);
  });
});

describe('trace context in NATS headers', () => {
  const exporter = new InMemorySpanExporter();
  let runtime: TracingRuntime;
  before(() => {
    runtime = createTracingRuntime({ serviceName: 'test', version: '0', exporter, processor: (e) => new SimpleSpanProcessor(e) });
  });
  afterEach(() => {
    setTracingRuntime(undefined);
    exporter.reset();
  });
  after(async () => {
    await runtime.shutdown();
  });

  it('round-trips through a NATS headers object: the receiver continues the sender\'s trace', async () => {
    setTracingRuntime(runtime);
    const h = natsHeaders();
    const sent = await inSpan('publish', { kind: SpanKind.PRODUCER }, async (span) => {
      injectTraceContext(h);
      return must(span).spanContext();
    });
    assert.match(h.get('traceparent'), new RegExp(`^00-${sent.traceId}-${sent.spanId}-01$`));
    const parent = extractTraceContext(h);
    assert.ok(parent, 'a context was extracted');
    const got = await inSpan('process', { kind: SpanKind.CONSUMER, parent, root: true }, async (span) => must(span).spanContext());
    assert.equal(got.traceId, sent.traceId);
    const [, consumer] = exporter.getFinishedSpans();
    assert.equal(consumer.name, 'process');
    assert.equal(consumer.parentSpanContext?.spanId, sent.spanId);
    assert.equal(consumer.parentSpanContext?.isRemote, true);
  });

  it('carries tracestate along', () => {
    setTracingRuntime(runtime);
    const h = natsHeaders();
    h.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    h.set('tracestate', 'vendor=abc,other=1');
    const ctx = extractTraceContext(h);
    const out = natsHeaders();
    injectTraceContext(out, ctx);
    assert.equal(out.get('traceparent'), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(out.get('tracestate'), 'vendor=abc,other=1');
  });

  const invalid: [string, Record<string, string> | undefined][] = [
    ['no headers at all', undefined],
    ['headers without traceparent', { 'Hookline-Correlation-Id': 'c-1' }],
    ['a malformed traceparent', { traceparent: 'not-a-trace' }],
    ['an all-zero trace id', { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }],
    ['an all-zero span id', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01' }],
    ['the forbidden version ff', { traceparent: 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }],
    ['upper-case hex', { traceparent: '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01' }],
  ];
  for (const [name, given] of invalid) {
    it(`${name}: no parent, the consumer's span starts a trace of its own`, async () => {
      setTracingRuntime(runtime);
      let carrier: ReturnType<typeof natsHeaders> | undefined;
      if (given) {
        carrier = natsHeaders();
        for (const [k, v] of Object.entries(given)) carrier.set(k, v);
      }
      assert.equal(extractTraceContext(carrier), undefined);
      // Inside some unrelated span, a consumer span with no valid parent is still a root.
      await inSpan('unrelated', { kind: SpanKind.INTERNAL }, () => inSpan('process', { kind: SpanKind.CONSUMER, parent: extractTraceContext(carrier), root: true }, async () => undefined));
      const consumer = exporter.getFinishedSpans().find((s) => s.name === 'process');
      assert.equal(consumer?.parentSpanContext, undefined);
    });
  }

  it('reads a plain record of headers the same way', () => {
    setTracingRuntime(runtime);
    const ctx = extractTraceContext(headerRecord({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }));
    assert.equal(spanContextOf(ctx)?.traceId, '0af7651916cd43dd8448eb211c80319c');
  });

  it('a batch continues its first item\'s trace and links to the others', async () => {
    setTracingRuntime(runtime);
    const items = await Promise.all(['a', 'b', 'c'].map((n) => inSpan(`item ${n}`, { kind: SpanKind.INTERNAL, root: true }, async () => captureTraceContext())));
    const [a, b, c] = items.map((ctx) => must(spanContextOf(ctx)));
    await withBatchContext([...items, items[1]], () => inSpan('publish', { kind: SpanKind.PRODUCER }, async () => inSpan('inner', { kind: SpanKind.PRODUCER }, async () => undefined)));
    const publish = must(exporter.getFinishedSpans().find((s) => s.name === 'publish'));
    assert.equal(publish.spanContext().traceId, a.traceId);
    assert.equal(publish.parentSpanContext?.spanId, a.spanId);
    assert.deepEqual(
      publish.links.map((l) => l.context.spanId),
      [b.spanId, c.spanId],
      'one link per other item, repeats dropped',
    );
    const inner = must(exporter.getFinishedSpans().find((s) => s.name === 'inner'));
    assert.deepEqual(inner.links, [], 'the links belong to the batch message\'s span only');
  });

  it('a failed span says so and the error still reaches the caller', async () => {
    setTracingRuntime(runtime);
    await assert.rejects(inSpan('fails', { kind: SpanKind.INTERNAL }, async () => {
      throw new Error('boom');
    }), /boom/);
    const span = must(exporter.getFinishedSpans().find((s) => s.name === 'fails'));
    assert.equal(span.status.code, 2);
    assert.equal(span.status.message, 'boom');
  });

  it('log lines carry traceId and spanId inside a span, next to the correlation id', async () => {
    setTracingRuntime(runtime);
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _e, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const log = createLogger({ service: 's', version: '1', level: 'info', destination });
    const sc = await correlation.run('corr-9', () => inSpan('work', { kind: SpanKind.INTERNAL }, async (span) => {
      log.info({ n: 1 }, 'inside');
      return must(span).spanContext();
    }));
    log.info('outside');
    assert.equal(lines[0].traceId, sc.traceId);
    assert.equal(lines[0].spanId, sc.spanId);
    assert.equal(lines[0].correlationId, 'corr-9');
    assert.equal(lines[0].n, 1);
    assert.equal(lines[1].traceId, undefined);
    assert.equal(lines[1].spanId, undefined);
  });

  it('with traces off: nothing is written, nothing extracted, no span made, no log field', async () => {
    assert.equal(tracingActive(), false);
    const h = natsHeaders();
    injectTraceContext(h);
    assert.equal(h.get('traceparent'), '');
    const given = natsHeaders();
    given.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.equal(extractTraceContext(given), undefined);
    assert.equal(captureTraceContext(), undefined);
    assert.equal(await inSpan('x', { kind: SpanKind.PRODUCER }, async (span) => span), undefined);
    assert.equal(withBatchContext([undefined], () => 7), 7);
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ service: 's', version: '1', level: 'info', destination: new Writable({ write: (c, _e, cb) => (lines.push(JSON.parse(String(c))), cb()) }) });
    log.info('plain');
    assert.equal(lines[0].traceId, undefined);
    assert.equal(exporter.getFinishedSpans().length, 0);
  });
});
