import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateStructure } from './generator';
import { canonicalKey, coerce, keyFromRequest, mapRecord, mergeRecords } from './records';

const { structure } = generateStructure({
  baseName: 'orders',
  sample: { id: 1, title: 't', paid: true, at: '2026-01-01T00:00:00Z', meta: { a: 1 }, customer: { name: 'n', city: 'c' }, lines: [{ sku: 's', opts: [{ k: 'v' }] }] },
});
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('coerce', () => {
  const table: [Parameters<typeof coerce>[0], unknown, unknown][] = [
    ['text', 'a', 'a'],
    ['text', 5, '5'],
    ['text', true, 'true'],
    ['text', { a: 1 }, 'must be text, got an object'],
    ['text', 'a\u0000b', 'must be valid Unicode text without U+0000'],
    ['numeric', 5.5, 5.5],
    ['numeric', ' 12 ', '12'],
    ['numeric', '1e3', '1e3'],
    ['numeric', 'twelve', 'must be a number, got a string'],
    ['numeric', [], 'must be a number, got an array'],
    ['boolean', false, false],
    ['boolean', 'true', 'must be true or false, got a string'],
    ['timestamptz', '2026-01-31T12:00:00+01:00', '2026-01-31T12:00:00+01:00'],
    ['timestamptz', '2026-01-31', 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got "2026-01-31"'],
    ['timestamptz', 1767225600, 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got a number'],
    ['jsonb', { deep: [1] }, { deep: [1] }],
    ['numeric', null, null],
  ];
  for (const [type, v, expected] of table) {
    it(`${type} <- ${JSON.stringify(v)}`, () => {
      const c = coerce(type, v);
      assert.deepEqual(c.ok ? c.value : c.message, expected);
    });
  }
});

describe('canonicalKey', () => {
  it('42 and "42" are one numeric key', () => assert.equal(canonicalKey('numeric', '42'), canonicalKey('numeric', 42)));
  it('the same instant in two zones is one timestamp key', () => assert.equal(canonicalKey('timestamptz', '2026-01-01T01:00:00+01:00'), canonicalKey('timestamptz', '2026-01-01T00:00:00Z')));
});

describe('mapRecord: upsert', () => {
  it('fills every root column (missing ones null), and child and grandchild rows with keys and positions', () => {
    const r = mapRecord(structure, { id: '7', title: 'x', customer: null, lines: [{ sku: 'a', opts: [{ k: 1 }, { k: 2 }] }, null, { sku: 'c' }] }, 'upsert', 'body');
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(plain(r.rows.key), { id: 7 });
    assert.deepEqual(plain(r.rows.root), { id: '7', title: 'x', paid: null, at: null, meta_a: null, customer_name: null, customer_city: null });
    assert.deepEqual(plain(r.rows.children.get('orders_lines')), [
      { _root_id: 7, _pos1: 1, sku: 'a' },
      { _root_id: 7, _pos1: 3, sku: 'c' },
    ]);
    assert.deepEqual(plain(r.rows.children.get('orders_lines_opts')), [
      { _root_id: 7, _pos1: 1, _pos2: 1, k: '1' },
      { _root_id: 7, _pos1: 1, _pos2: 2, k: '2' },
    ]);
  });
  const bad: [string, unknown, string[]][] = [
    ['a missing key', { title: 'x' }, ['body.id']],
    ['a null key', { id: null }, ['body.id']],
    ['a wrong type', { id: 1, paid: 'yes' }, ['body.paid']],
    ['an object where a scalar goes', { id: 1, title: { a: 1 } }, ['body.title']],
    ['a scalar where an object goes', { id: 1, customer: 'Ada' }, ['body.customer']],
    ['a child that is not an array', { id: 1, lines: { sku: 'a' } }, ['body.lines']],
    ['a child element that is not an object', { id: 1, lines: [{ sku: 'a' }, 'b'] }, ['body.lines[1]']],
    ['a wrong type in a grandchild', { id: 1, lines: [{ opts: [{ k: {} }] }] }, ['body.lines[0].opts[0].k']],
    ['not an object', [1], ['body']],
  ];
  for (const [name, record, fields] of bad) {
    it(`refuses ${name}, naming the field`, () => {
      const r = mapRecord(structure, record, 'upsert', 'body');
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual(r.problems.map((p) => p.field), fields);
    });
  }
  it('treats __proto__ and constructor keys as data', () => {
    const s = generateStructure({ baseName: 'p', sample: JSON.parse('{"id":1,"__proto__":{"x":"a"},"constructor":"c"}') }).structure;
    const r = mapRecord(s, JSON.parse('{"id":2,"__proto__":{"x":"polluted?"},"constructor":"ACME"}'), 'upsert', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.rows.root), { id: 2, proto_x: 'polluted?', constructor: 'ACME' });
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});

describe('mapRecord: patch', () => {
  it('writes only the fields given and replaces only the child tables given', () => {
    const r = mapRecord(structure, { id: 7, title: 'y', customer: { city: 'Bergen' } }, 'patch', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.rows.root), { id: 7, title: 'y', customer_city: 'Bergen' });
    assert.equal(r.rows.children.size, 0);
    const withLines = mapRecord(structure, { id: 7, lines: [] }, 'patch', 'body');
    assert.ok(withLines.ok);
    assert.deepEqual([...withLines.rows.children.keys()], ['orders_lines', 'orders_lines_opts']);
  });
  it('a null object clears its columns', () => {
    const r = mapRecord(structure, { id: 7, customer: null }, 'patch', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.rows.root), { id: 7, customer_name: null, customer_city: null });
  });
});

describe('keyFromRequest', () => {
  const composite = generateStructure({ baseName: 'c', sample: { a: 'x', b: 1 }, primaryKey: ['a', 'b'] }).structure;
  const table: [string, Parameters<typeof keyFromRequest>, unknown][] = [
    ['a record id', [structure, '42', {}], { id: 42 }],
    ['a record id that is not a number', [structure, 'abc', {}], ['recordId']],
    ['a composite key in the query', [composite, undefined, { a: 'x', b: '2' }], { a: 'x', b: 2 }],
    ['a composite key with a part missing', [composite, undefined, { a: 'x' }], ['b']],
    ['a record id for a composite key', [composite, 'x', {}], ['recordId']],
  ];
  for (const [name, args, expected] of table) {
    it(name, () => {
      const r = keyFromRequest(...args);
      assert.deepEqual(r.ok ? plain(r.key) : r.problems.map((p) => p.field), expected);
    });
  }
});

describe('mergeRecords', () => {
  it('merges objects deeply, replaces arrays and scalars, and keeps __proto__ as data', () => {
    const m = mergeRecords(JSON.parse('{"a":{"x":1,"y":2},"l":[1,2],"s":1}'), JSON.parse('{"a":{"y":3},"l":[3],"__proto__":{"p":1}}'));
    assert.deepEqual(plain(m), JSON.parse('{"a":{"x":1,"y":3},"l":[3],"s":1,"__proto__":{"p":1}}'));
    assert.equal(({} as Record<string, unknown>).p, undefined);
  });
});
