import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListenerChangeState } from '@hookline/contracts';
import { BodyDedupWindow, dedupKeyOf, hookUrl, isJsonType, keyParams, loggedPath, parseHookPath, presentedToken, scriptHeaders } from './request-parts';

const S = '0196f3a2-7c1e-7d2a-9b3c-000000000001';
const L = '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f';
const listener = (over: Partial<ListenerChangeState> = {}) =>
  ({ id: L, auth: { method: 'token', location: { in: 'query', name: 'token' }, tokenSet: true }, dedup: null, bodyDedupSeconds: 60, ...over }) as unknown as ListenerChangeState;

describe('hookUrl: what the node:http fast path takes', () => {
  const table: [string | undefined, string | undefined][] = [
    ['/hooks/a/b?token=1', '/hooks/a/b?token=1'],
    ['/hooks', '/hooks'],
    ['/hooks/', '/hooks/'],
    ['/hooks?x=1', '/hooks?x=1'],
    ['/HOOKS/a/b', '/HOOKS/a/b'],
    ['http://example.com/hooks/a/b?x=1', '/hooks/a/b?x=1'],
    ['/hooksx/a', undefined],
    ['/v1/listeners', undefined],
    ['/health', undefined],
    ['http://example.com/v1/x', undefined],
    ['*', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [raw, url] of table) it(String(raw), () => assert.equal(hookUrl(raw), url));
});

describe('parseHookPath', () => {
  const table: [string, unknown][] = [
    [`/${S}/${L}`, { serviceId: S, listenerId: L }],
    [`/${S}/${L}/`, { serviceId: S, listenerId: L }],
    [`/${S}/${L}/42`, { serviceId: S, listenerId: L, recordId: '42' }],
    [`/${S}/${L}/a%20b`, { serviceId: S, listenerId: L, recordId: 'a b' }],
    [`/${S}/${L}/%E0%A4%A`, undefined],
    [`/${S}`, undefined],
    [`/x/${L}`, undefined],
    [`/${S}/${L}/1/2`, undefined],
  ];
  for (const [path, route] of table) it(path.slice(0, 50), () => assert.deepEqual(parseHookPath(path), route));
});

describe('presentedToken', () => {
  const q = new URLSearchParams('token=abc');
  it('reads a header, a query parameter or the Authorization header after its prefix', () => {
    assert.equal(presentedToken({ in: 'header', name: 'x-token' }, { 'x-token': 't1' }, q), 't1');
    assert.equal(presentedToken({ in: 'query', name: 'token' }, {}, q), 'abc');
    assert.equal(presentedToken({ in: 'authorization', prefix: 'Bearer ' }, { authorization: 'bearer t2' }, q), 't2');
    assert.equal(presentedToken({ in: 'authorization', prefix: 'Bearer ' }, { authorization: 'Basic t2' }, q), undefined);
    assert.equal(presentedToken({ in: 'authorization', prefix: '' }, { authorization: 't3' }, q), 't3');
  });
});

describe('what a log and a script see', () => {
  it('the query token is redacted from the logged path', () => assert.equal(loggedPath('/hooks/a/b?token=secret&x=1', listener()), '/hooks/a/b?token=%5Bredacted%5D&x=1'));
  it('credentials are not handed to scripts', () => {
    const h = scriptHeaders({ authorization: 'Bearer x', cookie: 'c', 'x-token': 't', 'x-event': 'e' }, listener({ auth: { method: 'token', location: { in: 'header', name: 'x-token' }, tokenSet: true } }));
    assert.deepEqual({ ...h }, { 'x-event': 'e' });
  });
});

describe('dedupKeyOf', () => {
  const base = { method: 'POST', path: '/a/b', query: new URLSearchParams('token=t1&b=2&a=1'), headers: {}, body: Buffer.from('{"id":1}'), parsed: { id: 1, event: { id: 'evt_9' } } };
  const rnd = () => 'random';
  it('prefers the listener\'s own dedup header, then a body field, then Idempotency-Key', () => {
    assert.deepEqual(dedupKeyOf(listener({ dedup: { header: 'x-github-delivery' } }), { ...base, headers: { 'x-github-delivery': 'd-1', 'idempotency-key': 'k' } }, 0, rnd), { key: 'h:d-1', explicit: true });
    assert.deepEqual(dedupKeyOf(listener({ dedup: { bodyField: 'event.id' } }), base, 0, rnd), { key: 'f:evt_9', explicit: true });
    assert.deepEqual(dedupKeyOf(listener(), { ...base, headers: { 'idempotency-key': 'k-1' } }, 0, rnd), { key: 'k:k-1', explicit: true });
  });
  it('else the request hash within the body-dedup window (the token and the query order do not count)', () => {
    const a = dedupKeyOf(listener(), base, 1_000, rnd);
    const b = dedupKeyOf(listener(), { ...base, query: new URLSearchParams('a=1&b=2&token=other') }, 59_000, rnd);
    const c = dedupKeyOf(listener(), base, 61_000, rnd);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.deepEqual(dedupKeyOf(listener({ bodyDedupSeconds: 0 }), base, 0, rnd), { key: 'r:random', explicit: false });
  });
  it('with a sliding window, a repeat within the window is recognised across an aligned boundary, and one after it is not', () => {
    const w = new BodyDedupWindow();
    const first = dedupKeyOf(listener(), base, 59_999, rnd, w);
    assert.deepEqual(dedupKeyOf(listener(), base, 60_001, rnd, w), first, '2 ms later, across the aligned boundary at 60 s');
    assert.deepEqual(dedupKeyOf(listener(), base, 119_998, rnd, w), first, 'within 60 s of the first');
    const after = dedupKeyOf(listener(), base, 120_000, rnd, w);
    assert.notDeepEqual(after, first, '60 s after the first: a new request');
    assert.deepEqual(dedupKeyOf(listener(), base, 150_000, rnd, w), after, 'and its own repeats count from it');
    // Another listener's identical request is its own.
    assert.equal(w.keyFor(L, 'h', 59_999, 60_000), 'b:h:0');
    assert.equal(w.keyFor('other', 'h', 60_001, 60_000), 'b:h:1');
  });
  it('forgets the oldest hashes past its size, falling back to the aligned interval', () => {
    const w = new BodyDedupWindow(2);
    const a = w.keyFor(L, 'a', 59_999, 60_000);
    w.keyFor(L, 'b', 60_000, 60_000);
    w.keyFor(L, 'c', 60_000, 60_000);
    assert.notEqual(w.keyFor(L, 'a', 60_001, 60_000), a, 'a was forgotten: the aligned interval of 60 001');
    assert.equal(w.keyFor(L, 'c', 60_001, 60_000), 'b:c:1');
  });
  it('forgets the oldest tenth at once past its size, and keeps the newest', () => {
    const w = new BodyDedupWindow(100);
    for (let i = 0; i < 100; i++) w.keyFor(L, `h${i}`, 1_000, 60_000);
    // The 101st: h0-h10 go (100 - 10 = 90 kept), h11 on stay.
    w.keyFor(L, 'h100', 61_000 - 1, 60_000);
    assert.equal(w.keyFor(L, 'h10', 60_500, 60_000), 'b:h10:1', 'h10 was forgotten: the aligned interval of 60 500');
    assert.equal(w.keyFor(L, 'h11', 60_500, 60_000), 'b:h11:0', 'h11 is still held: the key of its first request');
    assert.equal(w.keyFor(L, 'h99', 60_500, 60_000), 'b:h99:0');
  });
  it('on a signed listener, keys by what the signature vouches for, and never by an unsigned Idempotency-Key', () => {
    const stdHooks = listener({ signature: { preset: 'standard-webhooks' } });
    assert.deepEqual(dedupKeyOf(stdHooks, { ...base, headers: { 'webhook-id': 'msg_1', 'idempotency-key': 'attacker-1' } }, 0, rnd), { key: 'sw:msg_1', explicit: true });
    const stripe = listener({ signature: { preset: 'stripe' }, dedup: { header: 'x-anything' } });
    const s1 = dedupKeyOf(stripe, { ...base, headers: { 'idempotency-key': 'a', 'x-anything': 'b' } }, 0, rnd);
    assert.deepEqual(dedupKeyOf(stripe, { ...base, headers: { 'idempotency-key': 'c', 'x-anything': 'd' } }, 500_000, rnd), s1, 'the same signed body, whatever comes with it');
    const github = listener({ signature: { preset: 'github' } });
    const replay = dedupKeyOf(github, { ...base, headers: { 'idempotency-key': 'attacker-2' } }, 1_000, rnd);
    assert.deepEqual(replay, dedupKeyOf(github, base, 2_000, rnd), 'the body window, as without the key');
    assert.ok(!('problem' in dedupKeyOf(github, { ...base, headers: { 'idempotency-key': 'x'.repeat(256) } }, 0, rnd)), 'not read, so not refused');
  });
  it('refuses a bad Idempotency-Key', () => assert.ok('problem' in dedupKeyOf(listener(), { ...base, headers: { 'idempotency-key': 'x'.repeat(256) } }, 0, rnd)));
});

describe('isJsonType', () => {
  for (const [t, ok] of [['application/json', true], ['application/json; charset=utf-8', true], ['application/vnd.github+json', true], ['text/plain', false], [undefined, false]] as const) {
    it(`${t}`, () => assert.equal(isJsonType(t), ok));
  }
});

describe('keyParams: the key columns a DELETE names in its query', () => {
  it('takes each key column once and leaves other parameters out', () => {
    const r = keyParams(['warehouse', 'sku'], new URLSearchParams('warehouse=W1&sku=S1&token=t'));
    assert.ok(r.ok);
    assert.deepEqual({ ...r.values }, { warehouse: 'W1', sku: 'S1' });
  });
  it('leaves a missing column for the key check to name', () => {
    const r = keyParams(['warehouse', 'sku'], new URLSearchParams('warehouse=W1'));
    assert.ok(r.ok);
    assert.deepEqual({ ...r.values }, { warehouse: 'W1' });
  });
  it('refuses a column given twice, naming it', () => {
    const r = keyParams(['id'], new URLSearchParams('id=7&id=8'));
    assert.deepEqual(r, { ok: false, problems: [{ field: 'id', message: 'is given 2 times; give each key column once' }] });
  });
  it('a key column named like an Object property is only a name', () => {
    const r = keyParams(['constructor'], new URLSearchParams('constructor=1'));
    assert.ok(r.ok);
    assert.equal(r.values.constructor, '1');
  });
});
