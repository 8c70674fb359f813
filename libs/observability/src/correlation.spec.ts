import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { correlation } from './correlation';

describe('correlation scopes', () => {
  it('keeps each scope\'s id across awaits and timers, with scopes overlapping', async () => {
    const seen: string[] = [];
    const work = (id: string, ms: number) =>
      correlation.run(id, async () => {
        await sleep(ms);
        seen.push(`${id}:${correlation.current()}`);
        await new Promise<void>((r) => setImmediate(r));
        seen.push(`${id}:${correlation.current()}`);
      });
    await Promise.all([work('a', 20), work('b', 5)]);
    assert.deepEqual(seen.sort(), ['a:a', 'a:a', 'b:b', 'b:b']);
  });

  it('gives a new id when none (or a forged one) is given', () => {
    const given = correlation.run(undefined, () => correlation.current());
    assert.match(given ?? '', /^[0-9a-f-]{36}$/);
    assert.match(correlation.run('a\nb', () => correlation.current()) ?? '', /^[0-9a-f-]{36}$/);
  });

  it('closes a scope when its function returns, throws, resolves or rejects, and has no id outside one', async () => {
    assert.equal(correlation.openScopes(), 0);
    correlation.run('sync', () => assert.equal(correlation.openScopes(), 1));
    assert.equal(correlation.openScopes(), 0);
    assert.throws(() => correlation.run('throws', () => { throw new Error('x'); }), /x/);
    assert.equal(correlation.openScopes(), 0);
    const resolving = correlation.run('resolves', async () => sleep(5));
    const rejecting = correlation.run('rejects', async () => { await sleep(5); throw new Error('y'); });
    assert.equal(correlation.openScopes(), 2);
    await resolving;
    await assert.rejects(rejecting, /y/);
    // The scope closes in a reaction of its own, queued with the caller's.
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(correlation.openScopes(), 0);
    assert.equal(correlation.current(), undefined);
  });

  it('keeps a response\'s scope open until it closes, once however often close is emitted', async () => {
    const res = new EventEmitter();
    let later: string | undefined;
    correlation.runUntilClosed('req-1', res, () => {
      setTimeout(() => (later = correlation.current()), 5);
    });
    assert.equal(correlation.openScopes(), 1);
    await sleep(15);
    assert.equal(later, 'req-1', 'the handler\'s later work still has the id');
    res.emit('close');
    res.emit('close');
    assert.equal(correlation.openScopes(), 0);
    // Another scope opened afterwards is counted from 0 again.
    correlation.run('next', () => assert.equal(correlation.openScopes(), 1));
    assert.equal(correlation.openScopes(), 0);
  });

  it('closes a response\'s scope when its handler throws', () => {
    const res = new EventEmitter();
    assert.throws(() => correlation.runUntilClosed('req-2', res, () => { throw new Error('z'); }), /z/);
    assert.equal(correlation.openScopes(), 0);
    res.emit('close');
    assert.equal(correlation.openScopes(), 0);
  });
});
