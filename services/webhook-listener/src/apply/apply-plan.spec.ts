import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ListenerChangeState, ListenerIngestMessage } from '@hookline/contracts';
import { ingestMsgId } from '@hookline/contracts';
import { changeEvent, patchBases, planBatch, RECENT_CHANGES_KEPT, versionKey, type Item } from './apply-plan';

const L = '0196f3a2-7c1e-7d2a-9b3c-1a2b3c4d5e6f';
const listener = {
  id: L,
  tenant: 'acme',
  serviceId: 's',
  name: 'orders',
  structure: { baseName: 'orders', rootPath: [], primaryKey: ['id'], tables: [{ name: 'orders', parent: null, path: [], columns: [{ name: 'id', source: ['id'], type: 'numeric' }] }] },
} as unknown as ListenerChangeState;
const listenerOf = (id: string) => (id === L ? listener : undefined);

let n = 0;
function item(seq: number, op: ListenerIngestMessage['op'], id: number, record?: Record<string, unknown>, listenerId = L): Item {
  return { seq, msg: { tenantId: 'acme', listenerId, requestId: `r${++n}`, index: 0, count: 1, op, key: { id }, ...(record ? { record } : {}), acceptedAt: `2026-01-01T00:00:${String(seq).padStart(2, '0')}Z` } };
}
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('planBatch', () => {
  it('folds a record\'s changes in stream order: the last upsert with later patches merged in', () => {
    const p = planBatch([item(3, 'patch', 1, { id: 1, b: 2, c: { y: 1 } }), item(1, 'upsert', 1, { id: 1, a: 1, c: { x: 1 } }), item(2, 'delete', 1), item(4, 'upsert', 2, { id: 2 })], new Map(), listenerOf);
    // seq 1 upsert, 2 delete: the record is gone; 3 patches a deleted record (a failure).
    assert.deepEqual(p.effects.map((e) => [e.recordKey, e.kind]), [['[1]', 'delete'], ['[2]', 'upsert']]);
    assert.deepEqual(p.failed.map((f) => f.item.seq), [3]);
    assert.deepEqual(plain(p.versions).sort((a: { seq: number }, b: { seq: number }) => a.seq - b.seq), [
      { tenantId: 'acme', listenerId: L, recordKey: '[1]', seq: 3, deleted: true, recent: ['r2:0', 'r3:0', 'r1:0'] },
      { tenantId: 'acme', listenerId: L, recordKey: '[2]', seq: 4, deleted: false, recent: ['r4:0'] },
    ]);
  });
  it('merges patches after an upsert, and patches with each other', () => {
    const p = planBatch([item(1, 'upsert', 1, { id: 1, a: 1, c: { x: 1 } }), item(2, 'patch', 1, { id: 1, c: { y: 2 } }), item(3, 'patch', 2, { id: 2, a: 1 }), item(4, 'patch', 2, { id: 2, b: 2 })], new Map(), listenerOf);
    assert.deepEqual(plain(p.effects.map((e) => [e.kind, e.record, e.lastModified, e.items.length])), [
      ['upsert', { id: 1, a: 1, c: { x: 1, y: 2 } }, '2026-01-01T00:00:02Z', 2],
      ['patch', { id: 2, a: 1, b: 2 }, '2026-01-01T00:00:04Z', 2],
    ]);
  });
  it('folds patches as writing them in order would: a jsonb column takes the later object whole, and what a null cleared stays cleared', () => {
    const people = {
      ...listener,
      structure: {
        baseName: 'people',
        rootPath: [],
        primaryKey: ['id'],
        tables: [
          {
            name: 'people',
            parent: null,
            path: [],
            columns: [
              { name: 'id', source: ['id'], type: 'numeric' },
              { name: 'meta', source: ['meta'], type: 'jsonb' },
              { name: 'address_city', source: ['address', 'city'], type: 'text' },
              { name: 'address_zip', source: ['address', 'zip'], type: 'text' },
            ],
          },
        ],
      },
    } as unknown as ListenerChangeState;
    const p = planBatch(
      [item(1, 'upsert', 1, { id: 1, meta: { a: 1 } }), item(2, 'patch', 1, { meta: { b: 2 } }), item(3, 'patch', 2, { address: null }), item(4, 'patch', 2, { address: { city: 'x' } })],
      new Map(),
      (id) => (id === L ? people : undefined),
    );
    assert.deepEqual(plain(p.effects.map((e) => [e.kind, e.record])), [
      ['upsert', { id: 1, meta: { b: 2 } }],
      ['patch', { address: { city: 'x', zip: null } }],
    ]);
  });
  it('skips what was applied before or replaced by a newer change (a late redelivery), and a delete stays a tombstone', () => {
    const versions = new Map([
      [versionKey(L, '[1]'), { seq: 10, deleted: false, recent: [] }],
      [versionKey(L, '[2]'), { seq: 10, deleted: true, recent: [] }],
    ]);
    const p = planBatch([item(9, 'upsert', 1, { id: 1, old: true }), item(10, 'upsert', 1, { id: 1 }), item(8, 'upsert', 2, { id: 2 }), item(11, 'patch', 2, { id: 2, a: 1 })], versions, listenerOf);
    assert.deepEqual(p.stale.map((i) => i.seq), [8, 9, 10]);
    assert.deepEqual(p.effects, []);
    assert.deepEqual(p.failed.map((f) => [f.item.seq, /deleted/.test(f.error)]), [[11, true]]);
  });
  it('skips a change stored twice (its publish retried across a nats-server restart), also after other changes of its record', () => {
    const first = item(1, 'upsert', 1, { id: 1, n: 1 });
    const other = item(2, 'upsert', 1, { id: 1, n: 2 });
    const again = (i: Item, seq: number): Item => ({ seq, msg: { ...i.msg } });
    // Both copies in one batch: the second is the first's duplicate.
    const p = planBatch([first, other, again(first, 3)], new Map(), listenerOf);
    assert.deepEqual(p.stale.map((i) => i.seq), [3]);
    assert.deepEqual(plain(p.effects.map((e) => [e.record, e.items.map((i) => i.seq)])), [[{ id: 1, n: 2 }, [1, 2]]]);
    // The second copy in a later batch: recognised from the record's version.
    const version = new Map([[versionKey(L, '[1]'), { seq: 2, deleted: false, recent: p.versions[0].recent }]]);
    const later = planBatch([again(first, 5), item(6, 'patch', 1, { id: 1, m: 1 })], version, listenerOf);
    assert.deepEqual(later.stale.map((i) => i.seq), [5]);
    assert.deepEqual(later.effects.map((e) => [e.kind, e.items.map((i) => i.seq)]), [['patch', [6]]]);
    // Only the last RECENT_CHANGES_KEPT ids are kept.
    const many = planBatch(Array.from({ length: RECENT_CHANGES_KEPT + 2 }, (_, k) => item(10 + k, 'upsert', 2, { id: 2 })), new Map(), listenerOf);
    assert.equal(many.versions[0].recent.length, RECENT_CHANGES_KEPT);
    const last = many.effects[0].items[many.effects[0].items.length - 1];
    assert.equal(many.versions[0].recent.at(-1), ingestMsgId(last.msg.requestId, 0));
  });
  it('drops changes of listeners that are gone', () => {
    const p = planBatch([item(1, 'upsert', 1, { id: 1 }, '0196f3a2-7c1e-7d2a-9b3c-000000000000')], new Map(), listenerOf);
    assert.equal(p.orphaned.length, 1);
    assert.deepEqual(p.versions, []);
  });
});

describe('changeEvent', () => {
  it('is a host event on Listener.<name>.<Kind> whose id depends only on the stream message', () => {
    const i = item(7, 'delete', 42);
    const e = changeEvent(listener, i);
    assert.equal(e.topic, 'Listener.orders.Deleted');
    assert.deepEqual(e.object, { type: 'listener:orders', id: '42' });
    assert.equal(e.id, changeEvent(listener, i).id);
    assert.notEqual(e.id, changeEvent(listener, { ...i, seq: 8 }).id);
    assert.deepEqual((e.data as { key: unknown }).key, { id: 42 });
  });
});

describe('patchBases', () => {
  it('names the records whose patch has stream sequences free before it, since the last change applied to them', () => {
    const versions = new Map([[versionKey(L, '[2]'), { seq: 9, deleted: false, recent: [] }], [versionKey(L, '[3]'), { seq: 7, deleted: false, recent: [] }]]);
    const p = planBatch(
      [
        item(12, 'patch', 1, { id: 1, a: 1 }), // never applied: anything from 1 to 11 may be an older change of it
        item(10, 'patch', 2, { id: 2, a: 1 }), // applied up to 9: nothing can sit between
        item(11, 'patch', 3, { id: 3, a: 1 }), // applied up to 7: 8 to 10 may hold one
        item(13, 'upsert', 4, { id: 4 }), // an upsert replaces the record: it waits for nothing
        item(14, 'patch', 5, { id: 5, a: 1 }),
        item(15, 'upsert', 5, { id: 5 }), // a patch folded into a later upsert: the upsert decides
        item(16, 'upsert', 6, { id: 6 }),
        item(17, 'patch', 6, { id: 6, a: 1 }), // a patch after an upsert of the batch: the upsert is its base
      ],
      versions,
      listenerOf,
    );
    assert.deepEqual(
      patchBases(p, versions).map((b) => [b.recordKey, b.afterSeq, b.beforeSeq]),
      [
        ['[3]', 7, 11],
        ['[1]', 0, 12],
      ],
    );
  });
  it('looks past the stale changes of a record to its first one still to apply', () => {
    const versions = new Map([[versionKey(L, '[1]'), { seq: 5, deleted: false, recent: [] }]]);
    const p = planBatch([item(4, 'upsert', 1, { id: 1 }), item(5, 'patch', 1, { id: 1, a: 1 }), item(8, 'patch', 1, { id: 1, b: 1 })], versions, listenerOf);
    assert.deepEqual(p.stale.map((i) => i.seq), [4, 5]);
    assert.deepEqual(patchBases(p, versions).map((b) => [b.afterSeq, b.beforeSeq]), [[5, 8]]);
  });
});
