import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenDigest } from '@hookline/contracts';
import type { Listener } from './entities/listener.entity';
import { changeState, formatRetention, listenerView, MAX_PREVIOUS_TOKENS, newToken, normalizeLocation, parseRetention, tokenFields } from './listener-settings';

describe('retention', () => {
  const table: [string, number | undefined][] = [
    ['30d', 2_592_000],
    ['12h', 43_200],
    ['90m', 5400],
    ['45s', 45],
    ['3650d', 315_360_000],
    ['3651d', undefined],
    ['0d', undefined],
    ['1w', undefined],
    ['-1d', undefined],
    ['1.5d', undefined],
  ];
  for (const [s, seconds] of table) it(`${s} -> ${seconds}`, () => assert.equal(parseRetention(s), seconds));
  for (const [seconds, s] of [[2_592_000, '30d'], [5400, '90m'], [3600, '1h'], [61, '61s']] as const) it(`${seconds} s reads ${s}`, () => assert.equal(formatRetention(seconds), s));
});

describe('tokens', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  it('are 32 random bytes, different every time', () => {
    const a = newToken();
    assert.match(a, /^hlt_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newToken());
  });
  it('a regeneration without overlap forgets the previous digest', () => {
    assert.deepEqual(tokenFields({ tokenDigest: 'old' }, 'new', now, 0), { tokenDigest: tokenDigest('new'), previousTokens: [] });
  });
  it('with an overlap the previous digest stays valid until then', () => {
    const f = tokenFields({ tokenDigest: 'old' }, 'new', now, 60);
    assert.equal(f.tokenDigest, tokenDigest('new'));
    assert.deepEqual(f.previousTokens, [{ digest: 'old', validUntil: '2026-01-01T00:01:00.000Z' }]);
  });
  it('a second regeneration during an overlap keeps the first previous token until its own end', () => {
    const first = tokenFields({ tokenDigest: 'd0' }, 't1', now, 3600);
    const second = tokenFields(first, 't2', new Date('2026-01-01T00:10:00Z'), 3600);
    assert.equal(second.tokenDigest, tokenDigest('t2'));
    assert.deepEqual(second.previousTokens, [
      { digest: tokenDigest('t1'), validUntil: '2026-01-01T01:10:00.000Z' },
      { digest: 'd0', validUntil: '2026-01-01T01:00:00.000Z' },
    ]);
  });
  it('no earlier token outlives the newest overlap; without overlap every earlier token ends', () => {
    const first = tokenFields({ tokenDigest: 'd0' }, 't1', now, 3600);
    const shorter = tokenFields(first, 't2', now, 60);
    assert.deepEqual(shorter.previousTokens.map((t) => t.validUntil), ['2026-01-01T00:01:00.000Z', '2026-01-01T00:01:00.000Z']);
    assert.deepEqual(tokenFields(shorter, 't3', now, 0), { tokenDigest: tokenDigest('t3'), previousTokens: [] });
  });
  it('earlier tokens past their end are dropped, and at most MAX_PREVIOUS_TOKENS are kept', () => {
    const first = tokenFields({ tokenDigest: 'd0' }, 't1', now, 60);
    const afterEnd = tokenFields(first, 't2', new Date('2026-01-01T00:01:00Z'), 60);
    assert.deepEqual(afterEnd.previousTokens.map((t) => t.digest), [tokenDigest('t1')]);
    let f: ReturnType<typeof tokenFields> = { tokenDigest: 'd0', previousTokens: [] };
    for (let i = 1; i <= MAX_PREVIOUS_TOKENS + 2; i++) f = tokenFields(f, `t${i}`, now, 3600);
    const kept = f.previousTokens.map((t) => t.digest);
    assert.equal(kept.length, MAX_PREVIOUS_TOKENS);
    assert.equal(kept[0], tokenDigest(`t${MAX_PREVIOUS_TOKENS + 1}`), 'newest first; the oldest are the ones dropped');
  });
  it('header names are kept in lower case; authorization defaults to Bearer', () => {
    assert.deepEqual(normalizeLocation({ in: 'header', name: 'X-Hook-Token' }), { in: 'header', name: 'x-hook-token' });
    assert.deepEqual(normalizeLocation({ in: 'authorization' }), { in: 'authorization', prefix: 'Bearer ' });
  });
});

describe('views', () => {
  const l: Listener = {
    tenantId: 'acme',
    id: '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f',
    serviceId: '0196f3a2-7c1e-7d2a-9b3c-000000000001',
    name: 'crm',
    enabled: true,
    retentionSeconds: 86400,
    auth: { method: 'token', location: { in: 'header', name: 'x-token' } },
    tokenDigest: 'd1',
    previousTokens: [{ digest: 'd0', validUntil: '2026-01-01T00:00:00.000Z' }],
    signature: null,
    dedup: null,
    bodyDedupSeconds: 60,
    script: null,
    keepLogs: 100,
    structure: null,
    createdAt: new Date('2025-12-01T00:00:00Z'),
    updatedAt: new Date('2025-12-01T00:00:00Z'),
  };
  it('the public view carries no digest', () => {
    const v = listenerView(l);
    assert.deepEqual(v.auth, { method: 'token', location: { in: 'header', name: 'x-token' }, tokenSet: true });
    assert.equal(v.path, '/hooks/0196f3a2-7c1e-7d2a-9b3c-000000000001/0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f');
    assert.ok(!JSON.stringify(v).includes('d1'));
  });
  it('the change state carries the valid digests for webhook-listener', () => {
    assert.deepEqual(changeState(l).verifier, { tokenDigests: [{ digest: 'd1', validUntil: null }, { digest: 'd0', validUntil: '2026-01-01T00:00:00.000Z' }] });
    assert.deepEqual(changeState({ ...l, auth: { method: 'none' } }).verifier, { tokenDigests: [] });
  });
  it('the change state carries every earlier token still overlapping, each with its own end', () => {
    const two = tokenFields(tokenFields({ tokenDigest: 'd0' }, 't1', new Date('2026-01-01T00:00:00Z'), 3600), 't2', new Date('2026-01-01T00:10:00Z'), 3600);
    assert.deepEqual(changeState({ ...l, ...two }).verifier, {
      tokenDigests: [
        { digest: tokenDigest('t2'), validUntil: null },
        { digest: tokenDigest('t1'), validUntil: '2026-01-01T01:10:00.000Z' },
        { digest: 'd0', validUntil: '2026-01-01T01:00:00.000Z' },
      ],
    });
  });
});
