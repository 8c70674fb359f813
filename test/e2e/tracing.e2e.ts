// OpenTelemetry traces end to end: every service exports its spans over OTLP/HTTP (JSON)
// to a small collector in this test, and one trace runs from the registry's
// POST /v1/events through the JetStream publish, the dispatcher's fan-out, the signer and
// the outbound request to a real loopback receiver, which gets the trace's traceparent.
// With traces off (the default), nothing is exported and no NATS message or webhook
// carries a trace context.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { CONSUMERS, STREAMS } from '@hookline/contracts';
import { createAccount, eventually, startReceiver, startTestStack, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'traced';

/** A span as OTLP/JSON writes it, with the service that sent it. */
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

const KIND = { server: 2, client: 3, producer: 4, consumer: 5 };

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) out[a.key] = a.value.stringValue ?? (a.value.intValue !== undefined ? Number(a.value.intValue) : (a.value.boolValue ?? a.value.doubleValue));
  return out;
}

/** An OTLP/HTTP collector that takes JSON exports on /v1/traces and keeps every span. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; requests: () => number; close(): Promise<void> }> {
  const spans: ExportedSpan[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(415).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpAttribute[]; links?: { traceId: string; spanId: string }[] }[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const service = String(attributes(rs.resource.attributes)['service.name']);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId || undefined, name: s.name, kind: s.kind, attributes: attributes(s.attributes), links: s.links ?? [] });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests: () => requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The stored message's headers, by subject (the last one on it). */
async function storedHeaders(natsUrl: string, stream: string, subject: string): Promise<Record<string, string>> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    const out: Record<string, string> = {};
    if (m?.header) for (const [k, v] of m.header) out[k.toLowerCase()] = v[0] ?? '';
    return out;
  } finally {
    await nc.close();
  }
}

/** Every service's log lines, parsed (pino JSON). */
function logLines(stack: TestStack): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const l of stack.allLogLines()) {
    try {
      out.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      // not a log line (e.g. a stack trace's continuation)
    }
  }
  return out;
}

async function setUpTenant(stack: TestStack, receiverUrl: string): Promise<void> {
  assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Traced Inc' })).status, 201);
  assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);
  const account = await createAccount(stack.operator, { tenant: TENANT, name: 'hooks', grants: [{ actions: ['webhooks:receive'], units: '*', topics: ['Orders.*'] }] });
  // websub: the signature comes from the signer, so the attempt crosses it.
  const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name: 'orders', url: `${receiverUrl}/hook`, topics: ['Orders.*'], accountId: account.id, auth: { protocol: 'websub', algorithm: 'sha256' } });
  assert.equal(res.status, 201, res.text);
}

async function publishEvent(stack: TestStack, id: string): Promise<string> {
  const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id }, data: { total: 42 } });
  assert.equal(res.status, 202, res.text);
  return res.body.id as string;
}

describe('traces across the services (OTLP to a collector)', () => {
  let stack: TestStack;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let receiver: TestReceiver;

  before(async () => {
    collector = await startCollector();
    receiver = await startReceiver();
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        HOOKLINE_LOG_LEVEL: 'debug',
      },
    });
    await setUpTenant(stack, receiver.url);
  });
  after(async () => {
    await receiver?.close();
    await stack?.stop();
    await collector?.close();
  });

  it('one trace runs from POST /v1/events through the publish, fan-out, the signer and the outbound request', async () => {
    const eventId = await publishEvent(stack, 'o-1');
    const got = await eventually('the webhook', async () => receiver.requests.find((r) => r.headers['hookline-event-id'] === eventId), 30_000);

    // The receiver got the trace context of the request that reached it.
    const traceparent = got.headers.traceparent;
    assert.match(traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, 'the webhook carries a W3C traceparent');
    const [, traceId, outboundSpanId] = traceparent.split('-');

    const inTrace = () => collector.spans.filter((s) => s.traceId === traceId);
    const find = (what: string, pred: (s: ExportedSpan) => boolean) => eventually(what, async () => inTrace().find(pred), 30_000);

    // The registry's HTTP server span, answered before Nest's router.
    const server = await find('the registry\'s POST /v1/events server span', (s) => s.service === 'registry' && s.kind === KIND.server && (s.attributes['url.path'] ?? s.attributes['http.target']) === '/v1/events');
    assert.equal(server.attributes['http.request.method'] ?? server.attributes['http.method'], 'POST');
    // Its publish of the host event to JetStream, a child of the request's span.
    const publish = await find('the registry\'s publish span', (s) => s.service === 'registry' && s.kind === KIND.producer && String(s.attributes['messaging.destination.name']).startsWith('hookline.events.'));
    assert.equal(publish.parentSpanId, server.spanId);
    // The dispatcher's consume of that message: a child of the publish, across processes.
    const consume = await find('the dispatcher\'s consume span', (s) => s.service === 'dispatcher' && s.kind === KIND.consumer && s.attributes['messaging.consumer.group.name'] === CONSUMERS.dispatcherEvents.durable);
    assert.equal(consume.parentSpanId, publish.spanId, 'the consumer continues the producer\'s span');
    // The sign request and the signer's answer to it.
    const signCall = await find('the dispatcher\'s sign request span', (s) => s.service === 'dispatcher' && s.kind === KIND.client && s.name.startsWith('send hookline.signer.sign'));
    const signer = await find('the signer\'s span', (s) => s.service === 'signer' && s.kind === KIND.server && s.parentSpanId === signCall.spanId);
    assert.match(signer.name, /^process hookline\.signer\.sign/);
    // The outbound request to the receiver (undici), the span whose id the receiver got.
    const outbound = await find('the outbound request span', (s) => s.service === 'dispatcher' && s.kind === KIND.client && s.spanId === outboundSpanId);
    assert.equal(outbound.attributes['url.full'], `${receiver.url}/hook`);
    assert.equal(outbound.attributes['http.response.status_code'], 204);

    // The sign request and the outbound request both happen inside the consume span.
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const ancestors = (s: ExportedSpan): string[] => {
      const out: string[] = [];
      for (let p = s.parentSpanId; p; p = byId.get(p)?.parentSpanId) out.push(p);
      return out;
    };
    await eventually('every span between the consumer and the outbound request exported', async () => ancestors(outbound).includes(consume.spanId) && ancestors(signCall).includes(consume.spanId), 30_000);

    // The stored host event carries the trace context of the registry's publish.
    const stored = await storedHeaders(stack.nats.url, STREAMS.events.name, `hookline.events.${TENANT}.Orders.Paid`);
    assert.equal(stored.traceparent, `00-${traceId}-${publish.spanId}-01`);

    // Each service's spans name it: four processes took part in this trace.
    const services = new Set(inTrace().map((s) => s.service));
    for (const s of ['registry', 'dispatcher', 'signer']) assert.ok(services.has(s), `${s} exported spans of the trace (got ${[...services].join(', ')})`);

    // Log lines written inside the trace carry its id and their span's, next to the correlation id
    // (the stack logs at debug level: the consumer's line for each message it handled).
    const line = await eventually('the dispatcher\'s log line for the event, carrying the trace id', async () => logLines(stack).find((l) => l.traceId === traceId && l.service === 'dispatcher' && l.durable === CONSUMERS.dispatcherEvents.durable), 20_000);
    assert.equal(line.spanId, consume.spanId);
    assert.equal(line.msg, 'message handled');
    assert.ok(line.correlationId, 'the correlation id is still there');
  });
});

describe('traces off (the default)', () => {
  let stack: TestStack;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let receiver: TestReceiver;

  before(async () => {
    collector = await startCollector();
    receiver = await startReceiver();
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        // An endpoint is named, but HOOKLINE_TRACING=off wins.
        HOOKLINE_TRACING: 'off',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        HOOKLINE_LOG_LEVEL: 'debug',
      },
    });
    await setUpTenant(stack, receiver.url);
  });
  after(async () => {
    await receiver?.close();
    await stack?.stop();
    await collector?.close();
  });

  it('exports no span, and neither NATS messages nor the webhook carry a trace context', async () => {
    const eventId = await publishEvent(stack, 'o-2');
    const got = await eventually('the webhook', async () => receiver.requests.find((r) => r.headers['hookline-event-id'] === eventId), 30_000);
    assert.equal(got.headers.traceparent, undefined);
    assert.equal(got.headers.tracestate, undefined);
    const event = await storedHeaders(stack.nats.url, STREAMS.events.name, `hookline.events.${TENANT}.Orders.Paid`);
    assert.ok(event['nats-msg-id'], 'the stored event has its other headers');
    assert.equal(event.traceparent, undefined);
    const facts = await eventually('the delivery facts', async () => storedHeaders(stack.nats.url, STREAMS.deliveries.name, `hookline.delivery.${TENANT}.facts`).catch(() => undefined), 20_000);
    assert.equal(facts.traceparent, undefined);
    // The delivery is logged (facts went through audit-log) and the collector still heard nothing.
    await eventually('the delivery in the log', async () => {
      const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&limit=10`);
      return list.body.data.find((d: { eventId: string; status: string }) => d.eventId === eventId && d.status === 'succeeded');
    }, 30_000);
    assert.equal(collector.requests(), 0, 'no export reached the collector');
    const handled = logLines(stack).filter((l) => l.msg === 'message handled');
    assert.ok(handled.length > 0, 'the consumers logged what they handled (debug level)');
    assert.equal(logLines(stack).some((l) => 'traceId' in l || 'spanId' in l), false, 'no log line has a trace id');
  });

  it('a request\'s correlation id reaches the stored event and the dispatcher\'s line for it, with no correlation scope on the way', async () => {
    // POST /v1/events and the dispatcher's consumers open no correlation scope (its async
    // hooks cost every promise): they pass the id on themselves.
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: 'o-corr' }, data: {} }, { 'X-Correlation-Id': 'corr-e2e-7' });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.headers.get('x-correlation-id'), 'corr-e2e-7');
    const event = await storedHeaders(stack.nats.url, STREAMS.events.name, `hookline.events.${TENANT}.Orders.Paid`);
    assert.equal(event['hookline-correlation-id'], 'corr-e2e-7');
    const line = await eventually('the dispatcher\'s line for the event', async () => logLines(stack).find((l) => l.service === 'dispatcher' && l.msg === 'message handled' && l.durable === CONSUMERS.dispatcherEvents.durable && l.correlationId === 'corr-e2e-7'), 20_000);
    assert.equal(line.subject, `hookline.events.${TENANT}.Orders.Paid`);
    await eventually('the webhook', async () => receiver.requests.find((r) => r.headers['hookline-event-id'] === res.body.id), 30_000);
  });
});
