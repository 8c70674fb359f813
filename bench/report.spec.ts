import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { perOp } from './lib/cpu';
import { Results, type Row, type Target } from './lib/results';
import { backlogPartial, shown, tables, targets, TARGETS, verdict } from './report';

const MB = 1024 * 1024;

/** Results.add prints each row; the spec keeps quiet. */
function quietly<T>(fn: () => T): T {
  const log = console.log;
  console.log = () => undefined;
  try {
    return fn();
  } finally {
    console.log = log;
  }
}

type Fixture = Pick<Row, 'id' | 'value'> & Partial<Row>;

/** A whole run in which every target passes, with room to spare. */
function passingRows(): Fixture[] {
  return [
    { id: 'baseline.undici', value: 4000 },
    { id: 'baseline.queue', value: 1000, extra: { complete: true } },
    { id: 'baseline.js.sequential', value: 2000 },
    { id: 'platform.delivered', value: 1200, ratioTo: 'baseline.undici', extra: { complete: true } },
    { id: 'platform.delivered.vsQueue', value: 1.2, extra: { complete: true } },
    { id: 'platform.delivered.cpu', value: 0.5, extra: { complete: true } },
    { id: 'platform.pg', value: 0.05, extra: { complete: true } },
    { id: 'platform.latency.nats.p99', value: 20, extra: { complete: true } },
    { id: 'platform.latency.http.p99', value: 30, extra: { complete: true } },
    { id: 'platform.backlog', value: 1000, ratioTo: 'platform.delivered', extra: { target: 100_000, queued: 100_000, delivered: 100_000, complete: true } },
    { id: 'platform.isolation', value: 0.95, extra: { complete: true } },
    { id: 'platform.accepted', value: 1500, ratioTo: 'baseline.js.sequential', extra: { complete: true } },
    { id: 'platform.accepted.p99', value: 10, extra: { complete: true } },
    { id: 'platform.replicas.cpu', value: 0.5, extra: { ratio: 1, complete: true } },
    { id: 'platform.memory.idle', value: 90 },
    { id: 'platform.memory.npmStart', value: 95, extra: { totalBytes: 700 * MB } },
    { id: 'platform.memory.loaded', value: 120 },
    { id: 'platform.memory.npmStart.loaded', value: 130 },
    { id: 'platform.listener', value: 1200, ratioTo: 'baseline.js.sequential', extra: { complete: true } },
    { id: 'platform.listener.p99', value: 15, extra: { complete: true } },
  ];
}

function results(change: (rows: Fixture[]) => void = () => undefined): Results {
  const rows = passingRows();
  change(rows);
  const r = new Results();
  quietly(() => {
    for (const row of rows) r.add({ section: row.id.startsWith('baseline') ? 'baseline' : 'platform', label: row.id, unit: '', ...row });
  });
  return r;
}

/** The same run with one row changed. */
function withRow(id: string, change: (row: Fixture) => void): Results {
  return results((rows) => {
    const row = rows.find((x) => x.id === id);
    assert.ok(row, id);
    change(row);
  });
}

function byName(ts: Target[], prefix: string): Target {
  const t = ts.find((x) => x.name.startsWith(prefix));
  assert.ok(t, prefix);
  return t;
}

const misses = (ts: Target[]) => ts.filter((t) => !t.pass).map((t) => t.name);

/** Each target, the row its figure comes from, that figure in the passing run, and a change of that row that just misses the goal. */
const READS: { target: string; row: string; actual: number; miss: (row: Fixture) => void }[] = [
  { target: 'delivered webhooks/s vs raw undici', row: 'platform.delivered', actual: 0.3, miss: (x) => void (x.value = 999) },
  { target: 'delivered webhooks/s vs the plain queue worker', row: 'platform.delivered.vsQueue', actual: 1.2, miss: (x) => void (x.value = 0.9999) },
  { target: 'p99 latency at half load (JetStream publish', row: 'platform.latency.nats.p99', actual: 20, miss: (x) => void (x.value = 50.001) },
  { target: 'backlog drain', row: 'platform.backlog', actual: 1000 / 1200, miss: (x) => void (x.value = 959.9) },
  { target: 'isolation', row: 'platform.isolation', actual: 0.95, miss: (x) => void (x.value = 0.8999) },
  { target: 'PostgreSQL statements', row: 'platform.pg', actual: 0.05, miss: (x) => void (x.value = 0.1001) },
  { target: 'CPU per delivered webhook', row: 'platform.delivered.cpu', actual: 0.5, miss: (x) => void (x.value = 0.8001) },
  { target: 'accepted events', row: 'platform.accepted', actual: 0.75, miss: (x) => void (x.value = 999.9) },
  { target: 'p99 202 of POST /v1/events', row: 'platform.accepted.p99', actual: 10, miss: (x) => void (x.value = 50.01) },
  { target: 'CPU per delivery, 2 dispatcher replicas vs 1', row: 'platform.replicas.cpu', actual: 1, miss: (x) => void (x.extra = { ratio: 1.1001, complete: true }) },
  { target: 'memory: largest service idle, the bench', row: 'platform.memory.idle', actual: 90, miss: (x) => void (x.value = 100.01) },
  { target: 'memory: largest service idle under npm start', row: 'platform.memory.npmStart', actual: 95, miss: (x) => void (x.value = 100.01) },
  { target: 'memory: largest service after the delivered scenario', row: 'platform.memory.loaded', actual: 120, miss: (x) => void (x.value = 150.01) },
  { target: 'memory: largest service after delivering through npm start', row: 'platform.memory.npmStart.loaded', actual: 130, miss: (x) => void (x.value = 150.01) },
  { target: 'memory: whole stack idle under npm start', row: 'platform.memory.npmStart', actual: 700, miss: (x) => void (x.extra = { totalBytes: 800.01 * MB }) },
  { target: 'listener ingest req/s', row: 'platform.listener', actual: 0.6, miss: (x) => void (x.value = 999.9) },
  { target: 'listener ingest p99', row: 'platform.listener.p99', actual: 15, miss: (x) => void (x.value = 50.01) },
];

describe('bench targets: each reads its row', () => {
  it('the table covers every target', () => {
    assert.equal(READS.length, TARGETS.length);
    assert.equal(targets(results(), 'nats').length, TARGETS.length);
  });

  it('a whole run within every goal passes every target', () => {
    assert.deepEqual(misses(targets(results(), 'nats')), []);
  });

  for (const x of READS) {
    it(`${x.target}: reads ${x.row}, and misses on it alone`, () => {
      assert.equal(byName(targets(results(), 'nats'), x.target).actual, x.actual);
      const ts = targets(withRow(x.row, x.miss), 'nats');
      assert.deepEqual(misses(ts), [byName(ts, x.target).name], 'only this target misses');
      assert.equal(byName(ts, x.target).why, undefined, 'a figure beyond the goal needs no reason');
      const gone = targets(results((rows) => rows.splice(rows.findIndex((r) => r.id === x.row), 1)), 'nats');
      assert.match(byName(gone, x.target).why ?? '', new RegExp(`${x.row.replace(/\./g, '\\.')} not measured`));
    });
  }

  it('the latency target reads the feed the maximum was measured with', () => {
    const t = byName(targets(results(), 'http'), 'p99 latency at half load (POST /v1/events');
    assert.equal(t.actual, 30);
  });
});

describe('bench targets: n/a, zero and partial data miss', () => {
  it('an empty run misses every target, each saying what it lacks', () => {
    const ts = targets(new Results(), 'nats');
    for (const t of ts) {
      assert.equal(t.pass, false, t.name);
      assert.ok(Number.isNaN(t.actual), t.name);
      assert.match(t.why ?? '', /not measured/, t.name);
    }
  });

  it('a row whose figure is NaN misses with "no figure"', () => {
    const t = byName(targets(withRow('platform.isolation', (x) => void (x.value = NaN)), 'nats'), 'isolation');
    assert.deepEqual([t.pass, t.why], [false, 'no figure']);
  });

  it('nothing delivered: the CPU per delivery is NaN, not 0, and misses', () => {
    const { totalMs, msPerOp } = perOp({ dispatcher: 1.5, 'nats-server': 0.7, postgres: 0.4 }, 0);
    assert.ok(Number.isNaN(totalMs));
    assert.ok(Object.values(msPerOp).every(Number.isNaN));
    const ts = targets(
      results((rows) => {
        for (const row of rows) if (row.id === 'platform.delivered.cpu') row.value = totalMs;
        for (const row of rows) if (row.id === 'platform.replicas.cpu') row.extra = { ratio: totalMs / 1.25, complete: false, incomplete: '2 of 4 windows did not deliver fully' };
      }),
      'nats',
    );
    assert.equal(byName(ts, 'CPU per delivered webhook').pass, false);
    const replicas = byName(ts, 'CPU per delivery, 2 dispatcher replicas');
    assert.equal(replicas.pass, false);
    assert.match(replicas.why ?? '', /platform\.replicas\.cpu incomplete \(2 of 4 windows/);
  });

  it('no CPU sample at all (no /proc) is NaN, not 0', () => {
    assert.ok(Number.isNaN(perOp({}, 1000).totalMs));
    assert.equal(perOp({ a: 1, b: 0.5 }, 1000).totalMs, 1.5);
  });

  it('a delivered scenario that did not deliver everything misses every target that reads it', () => {
    const r = withRow('platform.delivered', (x) => void (x.extra = { complete: false, incomplete: '10 of 20000 deliveries missing' }));
    const missed = misses(targets(r, 'nats'));
    assert.deepEqual(missed, [
      'delivered webhooks/s vs raw undici',
      'delivered webhooks/s vs the plain queue worker',
      'p99 latency at half load (JetStream publish -> receiver)',
      'backlog drain vs steady delivery rate (fully drained)',
      'PostgreSQL statements per delivered webhook',
      'CPU per delivered webhook, all processes',
    ]);
    assert.match(byName(targets(r, 'nats'), 'backlog drain').why ?? '', /platform\.delivered incomplete \(10 of 20000 deliveries missing\)/);
  });

  it('latency: 10 % of the events never arrived, the p99 of the rest misses', () => {
    const r = withRow('platform.latency.nats.p99', (x) => void (x.extra = { sent: 10_000, received: 9000, missing: 1000, complete: false, incomplete: '1000 of 10000 events missing' }));
    const t = byName(targets(r, 'nats'), 'p99 latency');
    assert.equal(t.actual, 20);
    assert.equal(t.pass, false);
    assert.match(t.why ?? '', /1000 of 10000 events missing/);
  });

  it('p99s of POST /v1/events and of the listener miss when requests got no 202 or were skipped', () => {
    const accepted = withRow('platform.accepted.p99', (x) => void (x.extra = { errors: 0, skipped: 3, complete: false, incomplete: '3 not sent' }));
    assert.equal(byName(targets(accepted, 'nats'), 'p99 202 of POST').pass, false);
    const listener = withRow('platform.listener.p99', (x) => void (x.extra = { errors: 2, skipped: 0, complete: false, incomplete: '2 not answered 202' }));
    assert.equal(byName(targets(listener, 'nats'), 'listener ingest p99').pass, false);
  });

  it('backlog: 60,000 of 100,000 queued and all of them drained misses', () => {
    const r = withRow('platform.backlog', (x) => void (x.extra = { target: 100_000, queued: 60_000, delivered: 60_000, complete: false, incomplete: '60000 of 100000 events delivered (60000 queued)' }));
    const t = byName(targets(r, 'nats'), 'backlog drain');
    assert.equal(t.pass, false);
    assert.match(t.why ?? '', /60000 of 100000 events queued/);
  });

  it('backlog: whole only when the backlog asked for was queued and delivered', () => {
    assert.equal(backlogPartial({ target: 100_000, queued: 100_000, delivered: 100_000 }), undefined);
    assert.equal(backlogPartial({ target: 100_000, queued: 100_000, delivered: 99_000 }), '99000 of 100000 events delivered');
    assert.equal(backlogPartial({ target: 100_000, queued: 60_000, delivered: 60_000 }), '60000 of 100000 events queued');
    assert.equal(backlogPartial({ queued: 60_000, delivered: 60_000 }), 'the size of the backlog asked for is not recorded');
    assert.equal(backlogPartial(undefined), 'the size of the backlog asked for is not recorded');
  });

  it('a backlog row that did not record its own word still misses when short of the target', () => {
    const r = withRow('platform.backlog', (x) => void (x.extra = { target: 100_000, queued: 100_000, delivered: 99_000 }));
    assert.equal(byName(targets(r, 'nats'), 'backlog drain').pass, false);
  });
});

describe('bench targets: raw figures at the threshold', () => {
  const cases: [string, string, number, boolean][] = [
    ['delivered webhooks/s vs the plain queue worker', 'platform.delivered.vsQueue', 0.996, false],
    ['delivered webhooks/s vs the plain queue worker', 'platform.delivered.vsQueue', 1, true],
    ['CPU per delivered webhook', 'platform.delivered.cpu', 0.8049, false],
    ['CPU per delivered webhook', 'platform.delivered.cpu', 0.8, true],
    ['isolation', 'platform.isolation', 0.8995, false],
    ['isolation', 'platform.isolation', 0.9, true],
    ['PostgreSQL statements', 'platform.pg', 0.1004, false],
    ['memory: largest service idle, the bench', 'platform.memory.idle', 100.4, false],
    ['p99 latency', 'platform.latency.nats.p99', 50.004, false],
  ];
  for (const [target, row, value, pass] of cases) {
    it(`${row} at ${value}: ${pass ? 'PASS' : 'MISS'}`, () => {
      const t = byName(targets(withRow(row, (x) => void (x.value = value)), 'nats'), target);
      assert.equal(t.actual, value);
      assert.equal(t.pass, pass);
    });
  }

  it('the table prints enough digits to tell a figure from the goal', () => {
    assert.equal(shown(0.996, 1, 3), '0.996');
    assert.equal(shown(0.9996, 1, 3), '0.9996');
    assert.equal(shown(0.8049, 0.8, 2), '0.805');
    assert.equal(shown(100.4, 100, 0), '100.4');
    assert.equal(shown(0.8, 0.8, 2), '0.80');
    assert.equal(shown(0.3, 0.25, 3), '0.300');
  });
});

describe('bench targets: errors in a scenario', () => {
  const withError = (step: string | undefined) => {
    const r = results();
    r.errors.push('something went wrong');
    if (step) r.attribute(step, 0);
    return r;
  };

  it('an error in the latency step misses the latency target, and says so', () => {
    const ts = targets(withError('latency'), 'nats');
    assert.deepEqual(misses(ts), ['p99 latency at half load (JetStream publish -> receiver)']);
    assert.equal(byName(ts, 'p99 latency').why, '1 error(s) in latency');
  });

  it('an error in the delivered step misses every target that reads its rows', () => {
    assert.deepEqual(misses(targets(withError('delivered'), 'nats')), [
      'delivered webhooks/s vs raw undici',
      'delivered webhooks/s vs the plain queue worker',
      'p99 latency at half load (JetStream publish -> receiver)',
      'backlog drain vs steady delivery rate (fully drained)',
      'PostgreSQL statements per delivered webhook',
      'CPU per delivered webhook, all processes',
      'memory: largest service after the delivered scenario',
    ]);
  });

  it('an error in a baseline misses the ratios to it', () => {
    assert.deepEqual(misses(targets(withError('jetstream'), 'nats')), ['accepted events (POST /v1/events) vs JetStream publish (awaited)', 'listener ingest req/s vs JetStream publish (awaited)']);
    assert.deepEqual(misses(targets(withError('npm-start'), 'nats')).length, 3);
  });

  it('an error in a scenario no target reads misses none', () => {
    assert.deepEqual(misses(targets(withError('fanout'), 'nats')), []);
  });

  it('an error no step claims misses every target', () => {
    const ts = targets(withError(undefined), 'nats');
    assert.equal(misses(ts).length, TARGETS.length);
    assert.match(byName(ts, 'isolation').why ?? '', /outside the scenarios/);
  });

  it('errors are filed under the step that recorded them, not the ones before', () => {
    const r = results();
    r.errors.push('a');
    r.attribute('http', 0);
    r.errors.push('b');
    r.attribute('isolation', 1);
    assert.deepEqual(r.errorsFor(['isolation']), ['b']);
    assert.deepEqual(r.errorsFor(['http', 'isolation']), ['a', 'b']);
    assert.deepEqual(r.errorsFor(['replicas']), []);
  });
});

describe('bench verdict', () => {
  it('passes only a finite figure within the goal with nothing wrong in its data', () => {
    assert.deepEqual(verdict(1, '>=', 1, []), { pass: true });
    assert.deepEqual(verdict(0.999, '>=', 1, []), { pass: false });
    assert.deepEqual(verdict(0.8, '<=', 0.8, []), { pass: true });
    assert.deepEqual(verdict(0, '<=', 0.8, ['x incomplete']), { pass: false, why: 'x incomplete' });
    assert.deepEqual(verdict(NaN, '<=', 0.8, []), { pass: false, why: 'no figure' });
    assert.deepEqual(verdict(Infinity, '>=', 1, []), { pass: false, why: 'no figure' });
  });

  it('the table says why a target misses for missing data', () => {
    const r = withRow('platform.latency.nats.p99', (x) => void (x.extra = { complete: false, incomplete: '5 of 100 events missing' }));
    const table = tables(r, targets(r, 'nats'));
    assert.match(table, /\| MISS: platform\.latency\.nats\.p99 incomplete \(5 of 100 events missing\) *\|/);
    assert.match(tables(new Results(), targets(new Results(), 'nats')), /\| n\/a +\| <= 50 ms +\| MISS: platform\.latency\.nats\.p99 not measured/);
  });
});
