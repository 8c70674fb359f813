import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, field, formatDuration, loadConfig, parseDuration } from './config';
import { parseTrustProxy } from './common';

describe('loadConfig', () => {
  const spec = {
    port: field.port('PORT', { doc: 'port' }),
    url: field.url('NATS', { protocols: ['nats:'], default: 'nats://x:1', doc: 'nats' }),
    token: field.secret('TOKEN', { minLength: 8, doc: 'token' }),
    flag: field.bool('FLAG', { default: false, doc: 'flag' }),
    retries: field.durations('RETRIES', { default: [1], doc: 'schedule' }),
  };

  it('returns a frozen object with defaults applied', () => {
    const c = loadConfig(spec, { PORT: '80', TOKEN: 'abcdefgh', RETRIES: '1h, 2h,500ms' });
    assert.deepEqual(c, { port: 80, url: 'nats://x:1', token: 'abcdefgh', flag: false, retries: [3_600_000, 7_200_000, 500] });
    assert.ok(Object.isFrozen(c));
  });

  it('lists every bad variable at once and never echoes a secret', () => {
    try {
      loadConfig(spec, { PORT: '99999', NATS: 'http://x', TOKEN: 'short-secret'.slice(0, 5), FLAG: 'maybe' });
      assert.fail('expected ConfigError');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 4);
      assert.match(err.message, /PORT="99999": must be <= 65535/);
      assert.match(err.message, /NATS="http:\/\/x": must use nats:/);
      assert.match(err.message, /TOKEN: must be at least 8/);
      assert.doesNotMatch(err.message, /short/);
      assert.match(err.message, /FLAG="maybe"/);
    }
  });

  it('reports a missing required variable with its purpose', () => {
    assert.throws(() => loadConfig(spec, { TOKEN: 'abcdefgh' }), /PORT is required \(port\)/);
  });
});

describe('parseDuration', () => {
  const table: [string, number][] = [
    ['250', 250],
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
  ];
  for (const [raw, ms] of table) it(`${raw} -> ${ms}`, () => assert.equal(parseDuration(raw), ms));
  it('rejects garbage', () => assert.throws(() => parseDuration('soon')));
});

describe('field.duration with a bound (HOOKLINE_MALLOC_TRIM_INTERVAL)', () => {
  const spec = { every: field.duration('EVERY', { default: 5000, max: 3_600_000, doc: 'interval' }) };
  it('takes 0 (off) and values up to the bound', () => {
    assert.equal(loadConfig(spec, { EVERY: '0' }).every, 0);
    assert.equal(loadConfig(spec, { EVERY: '1h' }).every, 3_600_000);
    assert.equal(loadConfig(spec, {}).every, 5000);
  });
  it('refuses a value past the bound, naming it', () => {
    assert.throws(() => loadConfig(spec, { EVERY: '30d' }), /EVERY="30d": must be at most 1h/);
  });
  it('formats milliseconds in the largest whole unit', () => {
    assert.deepEqual([3_600_000, 90_000, 5000, 1500, 0].map(formatDuration), ['1h', '90s', '5s', '1500ms', '0ms']);
  });
});

describe('parseTrustProxy (HOOKLINE_TRUST_PROXY)', () => {
  for (const [raw, expected] of [
    ['loopback', 'loopback'],
    ['1', 1],
    [' 2 ', 2],
    ['10.0.0.0/8, loopback', '10.0.0.0/8, loopback'],
    ['fd00::/8', 'fd00::/8'],
    ['192.168.1.10', '192.168.1.10'],
  ] as const) {
    it(`takes ${JSON.stringify(raw)}`, () => assert.equal(parseTrustProxy(raw), expected));
  }
  for (const raw of ['yes', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', 'ingress-nginx']) {
    it(`refuses ${JSON.stringify(raw)}, saying what it takes`, () => assert.throws(() => parseTrustProxy(raw), /is not a number of hops, an address, a CIDR or one of loopback/));
  }
});
