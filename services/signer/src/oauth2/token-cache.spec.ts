import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenCache, type FetchedToken } from './token-cache';

function setup(opts: { ttl?: number } = {}) {
  let now = 1_000_000;
  let n = 0;
  const releases: (() => void)[] = [];
  const cache = new TokenCache({ defaultTtlMs: 300_000, refreshMarginMs: 60_000, minRefreshIntervalMs: 2000, now: () => now });
  const fetch = (): Promise<FetchedToken> =>
    new Promise((resolve) => {
      n++;
      const token = `t${n}`;
      releases.push(() => resolve({ accessToken: token, ...(opts.ttl !== undefined ? { expiresInMs: opts.ttl } : {}) }));
    });
  return {
    cache,
    fetch,
    fetches: () => n,
    releaseAll: () => releases.splice(0).forEach((r) => r()),
    advance: (ms: number) => (now += ms),
  };
}

describe('TokenCache', () => {
  it('fetches once for many concurrent requests (single-flight)', async () => {
    const s = setup({ ttl: 3_600_000 });
    const all = Promise.all(Array.from({ length: 50 }, () => s.cache.get('k', s.fetch)));
    await new Promise((r) => setImmediate(r));
    s.releaseAll();
    assert.deepEqual(new Set(await all), new Set(['t1']));
    assert.equal(s.fetches(), 1);
  });

  it('keeps a token until shortly before it expires', async () => {
    const s = setup({ ttl: 3_600_000 });
    const first = s.cache.get('k', s.fetch);
    s.releaseAll();
    assert.equal(await first, 't1');
    s.advance(3_600_000 - 60_001);
    assert.equal(await s.cache.get('k', s.fetch), 't1');
    s.advance(2);
    const second = s.cache.get('k', s.fetch);
    s.releaseAll();
    assert.equal(await second, 't2');
  });

  it('uses a tenth of the lifetime as margin for short-lived tokens, and a default lifetime without expires_in', async () => {
    const short = setup({ ttl: 10_000 });
    const a = short.cache.get('k', short.fetch);
    short.releaseAll();
    await a;
    short.advance(8_999);
    assert.equal(await short.cache.get('k', short.fetch), 't1');
    short.advance(2);
    const b = short.cache.get('k', short.fetch);
    short.releaseAll();
    assert.equal(await b, 't2');

    const none = setup();
    const c = none.cache.get('k', none.fetch);
    none.releaseAll();
    await c;
    none.advance(239_000);
    assert.equal(await none.cache.get('k', none.fetch), 't1');
  });

  it('force refresh replaces the token, but a burst of them costs one fetch', async () => {
    const s = setup({ ttl: 3_600_000 });
    const a = s.cache.get('k', s.fetch);
    s.releaseAll();
    await a;
    s.advance(5000);
    const burst = Promise.all(Array.from({ length: 10 }, () => s.cache.get('k', s.fetch, { forceRefresh: true })));
    await new Promise((r) => setImmediate(r));
    s.releaseAll();
    assert.deepEqual(new Set(await burst), new Set(['t2']));
    // Right after a refresh, another forced one reuses it.
    assert.equal(await s.cache.get('k', s.fetch, { forceRefresh: true }), 't2');
    assert.equal(s.fetches(), 2);
  });

  it('a failed fetch is not cached, and a failed forced refresh drops the refused token', async () => {
    const cache = new TokenCache({ defaultTtlMs: 300_000, refreshMarginMs: 0, minRefreshIntervalMs: 0 });
    await assert.rejects(cache.get('k', async () => Promise.reject(new Error('down'))), /down/);
    assert.equal(await cache.get('k', async () => ({ accessToken: 'ok' })), 'ok');
    await assert.rejects(cache.get('k', async () => Promise.reject(new Error('down')), { forceRefresh: true }));
    assert.equal(cache.size, 0);
  });

  it('clear drops by prefix', async () => {
    const cache = new TokenCache({ defaultTtlMs: 300_000, refreshMarginMs: 0, minRefreshIntervalMs: 0 });
    await cache.get('a:1', async () => ({ accessToken: 'x' }));
    await cache.get('b:1', async () => ({ accessToken: 'y' }));
    cache.clear('a:');
    assert.equal(cache.size, 1);
  });
});
