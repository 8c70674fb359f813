import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Results } from './lib/results';
import { targets } from './report';

function run(delivered: number, queued: number): Results {
  const r = new Results();
  const quiet = console.log;
  console.log = () => undefined;
  try {
    r.add({ id: 'platform.delivered', section: 'platform', label: 'delivered', value: 1000, unit: 'deliveries/s' });
    r.add({ id: 'platform.backlog', section: 'platform', label: 'backlog', value: 950, unit: 'deliveries/s', ratioTo: 'platform.delivered', extra: { queued, delivered } });
  } finally {
    console.log = quiet;
  }
  return r;
}

describe('bench targets', () => {
  const backlogOf = (r: Results) => targets(r, 'nats').find((t) => t.name.startsWith('backlog drain')) as { actual: number; pass: boolean };
  it('the backlog drain passes on its rate once every queued event arrived', () => {
    const t = backlogOf(run(100_000, 100_000));
    assert.equal(t.actual, 0.95);
    assert.equal(t.pass, true);
  });
  it('a backlog that did not drain fully misses, whatever the rate of what arrived', () => {
    const t = backlogOf(run(99_000, 100_000));
    assert.equal(t.actual, 0.95);
    assert.equal(t.pass, false);
  });
});
