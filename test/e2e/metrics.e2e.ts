// Prometheus metrics end to end: every service answers GET /metrics on its own port (the
// gateway, like the ingress, does not route it), and real deliveries move the right
// counters by the right amounts: one delivery that succeeds at once, one against a
// receiver answering 500 that is retried twice and fails (and a request to a listener
// that does not exist, answered outside Nest's router). Scraped before and after; the
// deltas are exact, the labels are kinds, states, outcomes and route templates, and no
// label value anywhere is a tenant, receiver, delivery or event id.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SERVICE_NAMES, type ServiceName } from '@hookline/contracts';
import { createAccount, eventually, parsePrometheusText, promValue, startReceiver, startTestStack, type PromSample, type TestReceiver, type TestStack } from '@hookline/testing';

const TENANT = 'metrics-tenant';
/** Two retries, quickly: three attempts in all before the failing delivery is given up. */
const RETRY_SCHEDULE = ['200ms', '200ms'];

type Scrape = Record<ServiceName, PromSample[]>;

describe('Prometheus metrics', () => {
  let stack: TestStack;
  let okReceiver: TestReceiver;
  let badReceiver: TestReceiver;
  let okId: string;
  let badId: string;

  async function scrape(name: ServiceName): Promise<PromSample[]> {
    const res = await fetch(`${stack.services[name].url}/metrics`);
    assert.equal(res.status, 200, `${name} /metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  }

  async function scrapeAll(): Promise<Scrape> {
    return Object.fromEntries(await Promise.all(SERVICE_NAMES.map(async (n) => [n, await scrape(n)] as const))) as Scrape;
  }

  async function receiver(name: string, url: string): Promise<string> {
    const res = await stack.operator.post('/v1/receivers', { tenant: TENANT, name, url, topics: ['Orders.*'], accountId, auth: { protocol: 'websub' } });
    assert.equal(res.status, 201, res.text);
    return res.body.receiver.id as string;
  }

  let accountId: string;

  before(async () => {
    stack = await startTestStack({
      env: {
        HOOKLINE_EGRESS_ALLOWLIST: '127.0.0.0/8,::1/128',
        HOOKLINE_RETRY_SCHEDULE: RETRY_SCHEDULE.join(','),
        HOOKLINE_RETRY_POLL_INTERVAL: '50ms',
      },
    });
    okReceiver = await startReceiver(() => ({ status: 200 }));
    badReceiver = await startReceiver(() => ({ status: 500, body: 'broken' }));
    assert.equal((await stack.operator.post('/v1/tenants', { id: TENANT, name: 'Metrics' })).status, 201);
    assert.equal((await stack.operator.post('/v1/topics', { tenant: TENANT, name: 'Orders.Paid' })).status, 201);
    accountId = (await createAccount(stack.operator, { tenant: TENANT, name: 'receiving', grants: [{ actions: ['webhooks:receive'], units: '*', topics: '*' }] })).id;
    okId = await receiver('ok', okReceiver.url);
    badId = await receiver('bad', badReceiver.url);
  });

  after(async () => {
    await okReceiver?.close();
    await badReceiver?.close();
    await stack?.stop();
  });

  it('every service answers /metrics with its process metrics, named by service; the gateway does not route it', async () => {
    const all = await scrapeAll();
    for (const name of SERVICE_NAMES) {
      assert.ok(all[name].some((s) => s.name === 'hookline_process_cpu_user_seconds_total' && s.labels.service === name), `${name}: process metrics`);
      assert.ok(all[name].every((s) => s.name.startsWith('hookline_')), `${name}: every name has the hookline_ prefix`);
    }
    // Operators scrape each pod; the public edge has no route for it.
    assert.equal((await fetch(`${stack.url}/metrics`)).status, 404);
  });

  it('a succeeding and a failing delivery move the delivery, attempt, retry, signer, ingest and HTTP metrics by exactly what happened', async () => {
    const before = await scrapeAll();
    const res = await stack.operator.post('/v1/events', { tenant: TENANT, topic: 'Orders.Paid', object: { type: 'order', id: '1' }, data: { total: 10 } });
    assert.equal(res.status, 202, res.text);
    const eventId = res.body.id as string;
    // A route with an id in its path, to see its template in the labels.
    assert.equal((await stack.operator.get(`/v1/receivers/${okId}?tenant=${TENANT}`)).status, 200);
    // The webhook-listener answers /hooks/* outside Nest's router: a listener that does not exist.
    const hook = [randomUUID(), randomUUID()];
    const hookRes = await fetch(`${stack.url}/hooks/${hook.join('/')}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(hookRes.status, 404);

    const final = async (target: string, status: string) =>
      eventually(`${status} delivery to ${target}`, async () => {
        const list = await stack.operator.get(`/v1/deliveries?tenant=${TENANT}&target=${target}&limit=50`);
        return list.body.data.find((d: { eventId: string; status: string }) => d.eventId === eventId && d.status === status) as { id: string; attempts: number } | undefined;
      }, 30_000);
    const succeeded = await final(okId, 'succeeded');
    const failed = await final(badId, 'failed');
    assert.equal(failed.attempts, 1 + RETRY_SCHEDULE.length);
    assert.equal(okReceiver.requests.length, 1);
    assert.equal(badReceiver.requests.length, 3);

    const delta = (after: Scrape, service: ServiceName, name: string, where: Record<string, string> = {}) => promValue(after[service], name, where) - promValue(before[service], name, where);
    const expected: [ServiceName, string, Record<string, string>, number][] = [
      // The dispatcher counts what it ends (a success); the retry-scheduler what it gives up.
      ['dispatcher', 'hookline_deliveries_total', { kind: 'webhook', state: 'succeeded' }, 1],
      ['dispatcher', 'hookline_deliveries_total', { kind: 'webhook', state: 'failed' }, 0],
      ['retry-scheduler', 'hookline_deliveries_total', { kind: 'webhook', state: 'failed' }, 1],
      ['retry-scheduler', 'hookline_deliveries_total', { kind: 'webhook', state: 'succeeded' }, 0],
      ['retry-scheduler', 'hookline_retries_scheduled_total', { kind: 'webhook' }, 2],
      ['dispatcher', 'hookline_delivery_attempt_duration_seconds_count', { kind: 'webhook', outcome: 'success' }, 1],
      ['dispatcher', 'hookline_delivery_attempt_duration_seconds_count', { kind: 'webhook', outcome: 'http-status' }, 3],
      ['dispatcher', 'hookline_delivery_attempt_duration_seconds_count', { kind: 'webhook' }, 4],
      // Every attempt lands in the +Inf bucket.
      ['dispatcher', 'hookline_delivery_attempt_duration_seconds_bucket', { kind: 'webhook', le: '+Inf' }, 4],
      ['registry', 'hookline_events_ingested_total', { outcome: 'accepted' }, 1],
      ['registry', 'hookline_http_request_duration_seconds_count', { method: 'POST', route: '/v1/events', status_class: '2xx' }, 1],
      ['registry', 'hookline_http_request_duration_seconds_count', { method: 'GET', route: '/v1/receivers/:id', status_class: '2xx' }, 1],
      ['webhook-listener', 'hookline_http_request_duration_seconds_count', { method: 'POST', route: '/hooks/:serviceId/:listenerId', status_class: '4xx' }, 1],
      ['webhook-listener', 'hookline_listener_ingest_requests_total', { method: 'POST', status: '404', outcome: 'refused' }, 1],
      // The host event, taken by the dispatcher's events consumer once.
      ['dispatcher', 'hookline_consumer_messages_total', { consumer: 'dispatcher-events', result: 'acked' }, 1],
    ];
    // The last counters move a moment after the log shows the final states (acks go out after the facts are stored).
    const after = await eventually(
      'the counters to settle',
      async () => {
        const s = await scrapeAll();
        return expected.every(([svc, name, where, n]) => delta(s, svc, name, where) === n) ? s : undefined;
      },
      15_000,
      250,
    ).catch(async () => scrapeAll());
    for (const [svc, name, where, n] of expected) assert.equal(delta(after, svc, name, where), n, `${svc} ${name}${JSON.stringify(where)}`);

    // Every sign request the dispatcher made was answered by the signer, and each attempt needed one signature (batched or not).
    const asked = delta(after, 'dispatcher', 'hookline_signer_client_request_duration_seconds_count');
    assert.ok(asked >= 1 && asked <= 4, `the dispatcher asked the signer ${asked} times for 4 signatures`);
    assert.equal(delta(after, 'dispatcher', 'hookline_signer_client_request_duration_seconds_count', { outcome: 'ok' }), asked);
    assert.equal(delta(after, 'signer', 'hookline_signer_request_duration_seconds_count', { outcome: 'ok' }), asked);

    // Scrape-time gauges: the retry agenda (empty again), the outbox, the consumers.
    assert.equal(promValue(after['retry-scheduler'], 'hookline_retry_agenda_size', { kind: 'webhook' }), 0);
    assert.ok(after['retry-scheduler'].some((s) => s.name === 'hookline_retry_agenda_due' && s.labels.kind === 'webhook'));
    const outbox = after.registry.find((s) => s.name === 'hookline_outbox_pending_rows');
    assert.ok(outbox && Number.isFinite(outbox.value) && outbox.value >= 0, 'the outbox pending count');
    assert.ok(after.registry.some((s) => s.name === 'hookline_outbox_oldest_pending_age_seconds' && Number.isFinite(s.value)));
    for (const consumer of ['dispatcher-events', 'dispatcher-first-attempts', 'dispatcher-orders']) {
      for (const name of ['hookline_consumer_pending_messages', 'hookline_consumer_ack_pending_messages', 'hookline_consumer_redelivered_messages']) {
        assert.ok(after.dispatcher.some((s) => s.name === name && s.labels.consumer === consumer && Number.isFinite(s.value)), `${name}{consumer="${consumer}"}`);
      }
    }
    for (const svc of SERVICE_NAMES) assert.equal(promValue(after[svc], 'hookline_metrics_source_errors_total'), 0, `${svc}: every scrape-time reading worked`);

    // Bounded labels: no id of the tenant's data anywhere, and no raw path as a route.
    const ids = [TENANT, okId, badId, eventId, succeeded.id, failed.id, accountId, ...hook];
    for (const svc of SERVICE_NAMES) {
      for (const s of after[svc]) {
        for (const [label, value] of Object.entries(s.labels)) {
          for (const id of ids) assert.ok(!value.includes(id), `${svc} ${s.name}{${label}="${value}"} carries an id (${id})`);
          if (label === 'route') assert.ok(value === 'unmatched' || /^\/[\w\-./:*]*$/.test(value), `${svc}: route label ${value}`);
        }
      }
    }
  });
});
