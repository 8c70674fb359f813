import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { InstanceStats } from './instance-stats';
import { Metrics, routeStat } from './metrics';
import { METRICS } from './metrics.catalog';
import { serveMetrics } from './metrics-http';
import { LabelGuard, methodLabel, OTHER, routeLabel, safeLabelValue, statusClass } from './metrics-labels';

/** Sample lines of one metric in an exposition: `name{labels} value`. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('routeLabel', () => {
  const prefixes = ['/v1/', '/hooks/', '/console', '/v1/deliveries'];
  const table: [string, Parameters<typeof routeLabel>[0], string][] = [
    ['the handler names its template', { explicit: '/v1/events', path: '/v1/events' }, '/v1/events'],
    ['the router template, not the path', { routePath: '/v1/receivers/:id', path: '/v1/receivers/0b8c7a36-4a7e-4c1e-9f51-5c5b9b7b2f0a' }, '/v1/receivers/:id'],
    ['the handler wins over the router', { explicit: '/x', routePath: '/y', path: '/z' }, '/x'],
    ['no template: the longest known prefix', { path: '/v1/deliveries/abc' }, '/v1/deliveries*'],
    ['a whole handler under a prefix', { path: '/hooks/svc/0b8c7a36-4a7e-4c1e-9f51-5c5b9b7b2f0a' }, '/hooks/*'],
    ['a prefix without a slash', { path: '/console/assets/x.js' }, '/console*'],
    ['nothing known: unmatched, never the path', { path: '/wp-admin/login.php' }, 'unmatched'],
    ['a RegExp route is not a label', { routePath: /x/, path: '/nothing' }, 'unmatched'],
  ];
  for (const [what, input, expected] of table) it(what, () => assert.equal(routeLabel(input, prefixes), expected));
});

describe('statusClass and methodLabel', () => {
  for (const [status, finished, expected] of [
    [200, true, '2xx'],
    [202, true, '2xx'],
    [304, true, '3xx'],
    [404, true, '4xx'],
    [503, true, '5xx'],
    [200, false, 'aborted'],
    [0, true, OTHER],
  ] as const) {
    it(`${status}${finished ? '' : ' unfinished'} -> ${expected}`, () => assert.equal(statusClass(status, finished), expected));
  }
  it('keeps the usual methods and folds the rest', () => {
    assert.equal(methodLabel('post'), 'POST');
    assert.equal(methodLabel('PROPFIND'), OTHER);
    assert.equal(methodLabel(undefined), OTHER);
  });
});

describe('safeLabelValue and LabelGuard (bounded cardinality)', () => {
  for (const [value, expected] of [
    ['webhook', 'webhook'],
    ['/v1/receivers/:id', '/v1/receivers/:id'],
    ['dispatcher-first-attempts', 'dispatcher-first-attempts'],
    ['0b8c7a36-4a7e-4c1e-9f51-5c5b9b7b2f0a', OTHER],
    ['/v1/receivers/0b8c7a36-4a7e-4c1e-9f51-5c5b9b7b2f0a', OTHER],
    ['9f86d081884c7d659a2feaa0c55ad015', OTHER],
    ['1767225600000', OTHER],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV', OTHER],
    ['x'.repeat(101), OTHER],
    ['', 'none'],
  ] as const) {
    it(`${JSON.stringify(value.slice(0, 40))} -> ${expected}`, () => assert.equal(safeLabelValue(value), expected));
  }

  it('keeps the first values of each label of each metric and folds later new ones into "other"', () => {
    const guard = new LabelGuard(3);
    assert.deepEqual(['a', 'b', 'c', 'd', 'a', 'e'].map((v) => guard.value('m', 'kind', v)), ['a', 'b', 'c', OTHER, 'a', OTHER]);
    // Another label, another metric: their own budget.
    assert.equal(guard.value('m', 'state', 'd'), 'd');
    assert.equal(guard.value('n', 'kind', 'd'), 'd');
  });
});

describe('routeStat (InstanceStats counters as metrics)', () => {
  for (const [name, metric, labels] of [
    ['consumed.dispatcher-events', 'consumerMessages', { consumer: 'dispatcher-events', result: 'acked' }],
    ['retried.audit-deliveries', 'consumerMessages', { consumer: 'audit-deliveries', result: 'retried' }],
    ['dead-lettered.x', 'consumerMessages', { consumer: 'x', result: 'dead-lettered' }],
    ['deferred.x', 'consumerMessages', { consumer: 'x', result: 'deferred' }],
    ['redelivered.x', 'consumerRedeliveries', { consumer: 'x' }],
    ['attempts.succeeded', 'work', { counter: 'attempts.succeeded' }],
  ] as const) {
    it(`${name} -> ${metric}`, () => assert.deepEqual(routeStat(name), { metric, labels }));
  }
});

describe('Metrics', () => {
  it('prefixes every name with hookline_ and names the service on every sample', async () => {
    const m = new Metrics({ service: 'dispatcher' });
    m.counter('deliveries').inc({ kind: 'webhook', state: 'succeeded' }, 2);
    m.histogram('attemptDuration').observe({ kind: 'webhook', outcome: 'success' }, 0.02);
    const { body, contentType } = await m.exposition();
    assert.match(contentType, /^text\/plain/);
    assert.deepEqual(samples(body, 'hookline_deliveries_total'), ['hookline_deliveries_total{kind="webhook",state="succeeded",service="dispatcher"} 2']);
    // prom-client puts a histogram's labels in another order: compare them as objects.
    const histogram = m.registry.getSingleMetric('hookline_delivery_attempt_duration_seconds');
    assert.ok(histogram);
    const values = (await histogram.get()).values as { metricName?: string; labels: Record<string, string | number>; value: number }[];
    const at = (metricName: string, le?: number) => values.find((v) => v.metricName === metricName && (le === undefined || v.labels.le === le));
    assert.deepEqual(at('hookline_delivery_attempt_duration_seconds_count')?.labels, { kind: 'webhook', outcome: 'success' });
    assert.equal(at('hookline_delivery_attempt_duration_seconds_count')?.value, 1);
    assert.equal(at('hookline_delivery_attempt_duration_seconds_bucket', 0.01)?.value, 0);
    assert.equal(at('hookline_delivery_attempt_duration_seconds_bucket', 0.025)?.value, 1);
    assert.ok(body.split('\n').filter((l) => l && !l.startsWith('#')).every((l) => l.startsWith('hookline_')));
    assert.ok(samples(body, 'hookline_delivery_attempt_duration_seconds_count')[0].includes('service="dispatcher"'));
  });

  it('never turns an id into a label value', async () => {
    const m = new Metrics({ service: 's' });
    m.counter('deliveries').inc({ kind: '0b8c7a36-4a7e-4c1e-9f51-5c5b9b7b2f0a', state: 'failed' });
    const { body } = await m.exposition();
    assert.deepEqual(samples(body, 'hookline_deliveries_total'), ['hookline_deliveries_total{kind="other",state="failed",service="s"} 1']);
  });

  it("shows InstanceStats' counters and states, as they are at each scrape", async () => {
    const stats = new InstanceStats();
    const m = new Metrics({ service: 's', stats });
    stats.count('consumed.dispatcher-events', 3);
    stats.count('redelivered.dispatcher-events');
    stats.count('attempts.succeeded', 2);
    stats.set('role', 'leader');
    let { body } = await m.exposition();
    assert.deepEqual(samples(body, 'hookline_consumer_messages_total'), ['hookline_consumer_messages_total{consumer="dispatcher-events",result="acked",service="s"} 3']);
    assert.deepEqual(samples(body, 'hookline_consumer_redeliveries_total'), ['hookline_consumer_redeliveries_total{consumer="dispatcher-events",service="s"} 1']);
    assert.deepEqual(samples(body, 'hookline_instance_work_total'), ['hookline_instance_work_total{counter="attempts.succeeded",service="s"} 2']);
    assert.deepEqual(samples(body, 'hookline_instance_state'), ['hookline_instance_state{name="role",value="leader",service="s"} 1']);
    stats.count('consumed.dispatcher-events', 2);
    stats.set('role', 'standby');
    ({ body } = await m.exposition());
    assert.deepEqual(samples(body, 'hookline_consumer_messages_total'), ['hookline_consumer_messages_total{consumer="dispatcher-events",result="acked",service="s"} 5']);
    assert.deepEqual(samples(body, 'hookline_instance_state'), ['hookline_instance_state{name="role",value="standby",service="s"} 1']);
  });

  it('reads scrape-time gauges once per cache period, and leaves them out (counting an error) when the reading fails or is slow', async () => {
    const m = new Metrics({ service: 's' });
    let reads = 0;
    let mode: 'ok' | 'fail' | 'hang' = 'ok';
    m.onScrape({
      name: 'outbox',
      gauges: ['outboxPending', 'outboxLag'],
      cacheMs: 60_000,
      timeoutMs: 50,
      read: async () => {
        reads++;
        if (mode === 'fail') throw new Error('database down');
        if (mode === 'hang') await new Promise((r) => setTimeout(r, 500));
        return { outboxPending: [{ labels: {}, value: 7 }], outboxLag: [{ labels: {}, value: 1.5 }] };
      },
    });
    let { body } = await m.exposition();
    assert.deepEqual(samples(body, 'hookline_outbox_pending_rows'), ['hookline_outbox_pending_rows{service="s"} 7']);
    assert.deepEqual(samples(body, 'hookline_outbox_oldest_pending_age_seconds'), ['hookline_outbox_oldest_pending_age_seconds{service="s"} 1.5']);
    await m.exposition();
    assert.equal(reads, 1, 'one reading serves both gauges and the next scrape within the cache period');

    // The reading's time limit is an unref'd timer (it must not keep a service alive); with
    // a reading that never settles, nothing else would keep this test's event loop running.
    const alive = setInterval(() => undefined, 1000);
    try {
      for (const [i, next] of (['fail', 'hang'] as const).entries()) {
        const fresh = new Metrics({ service: 's' });
        mode = next;
        fresh.onScrape({ name: 'outbox', gauges: ['outboxPending'], cacheMs: 0, timeoutMs: 50, read: async () => (mode === 'hang' ? new Promise<never>(() => undefined) : Promise.reject(new Error('down'))) });
        ({ body } = await fresh.exposition());
        // A gauge without labels always has a sample: NaN (unknown), never a stale or made-up number.
        // prom-client spells it Nan; Prometheus reads NaN case-insensitively.
        assert.deepEqual(samples(body, 'hookline_outbox_pending_rows'), ['hookline_outbox_pending_rows{service="s"} Nan'], `${next}`);
        assert.deepEqual(samples(body, 'hookline_metrics_source_errors_total'), ['hookline_metrics_source_errors_total{source="outbox",service="s"} 1'], `${next} (${i})`);
      }
    } finally {
      clearInterval(alive);
    }
  });

  it('adds Node process metrics with the same prefix when asked', async () => {
    const m = new Metrics({ service: 's' });
    m.collectDefaults();
    m.collectDefaults();
    const { body } = await m.exposition();
    assert.match(body, /^hookline_process_cpu_user_seconds_total\{service="s"\} /m);
    assert.match(body, /^hookline_nodejs_heap_size_used_bytes\{service="s"\} /m);
  });

  it('every catalog entry has a snake_case name, help and the buckets a histogram needs', () => {
    for (const [key, def] of Object.entries(METRICS)) {
      assert.match(def.name, /^[a-z][a-z0-9_]*$/, key);
      assert.ok(def.help.length > 20, key);
      if (def.type === 'counter') assert.match(def.name, /_total$/, `${key}: a counter's name ends in _total`);
      if (def.type === 'histogram') assert.ok('buckets' in def && def.buckets.length > 3, key);
      for (const l of def.labels) assert.ok(!/(tenant|receiver|delivery|event)_?id/i.test(l), `${key}: ${l} is an id label`);
    }
  });
});

describe('serveMetrics (HOOKLINE_METRICS_PORT)', () => {
  it('answers GET /metrics on its own port and nothing else', async () => {
    const m = new Metrics({ service: 's' });
    m.counter('eventsIngested').inc({ outcome: 'accepted' });
    const server = await serveMetrics(m, '127.0.0.1', 0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.match(await res.text(), /^hookline_events_ingested_total\{outcome="accepted",service="s"\} 1$/m);
      assert.equal((await fetch(`${base}/v1/receivers`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
