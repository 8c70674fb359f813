import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateStructure } from './generator';
import fc from 'fast-check';
import { canonicalKey, coerce, foldPatch, keyFromRequest, keyOfRecord, mapRecord, mergeRecords, type Row } from './records';

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
    // What PostgreSQL 15 refuses is refused here, naming why.
    ['timestamptz', '2019-02-31T00:00:00Z', 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got "2019-02-31T00:00:00Z"'],
    ['timestamptz', '0000-01-01T00:00:00Z', 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got "0000-01-01T00:00:00Z"'],
    ['timestamptz', '2016-12-31T12:00:00+16:00', 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got "2016-12-31T12:00:00+16:00"'],
    ['timestamptz', 'infinity', 'must be an ISO 8601 date-time with a time zone (2026-01-31T12:00:00Z), got "infinity"'],
    ['numeric', '1e200000', "is out of PostgreSQL's numeric range (at most 131072 digits before the decimal point and 16383 after)"],
    ['numeric', '1e-16384', "is out of PostgreSQL's numeric range (at most 131072 digits before the decimal point and 16383 after)"],
    ['numeric', 'NaN', 'must be a number, got a string'],
    ['numeric', 'Infinity', 'must be a number, got a string'],
    // ... and what it takes at the edge is kept as sent.
    ['timestamptz', '2016-12-31T23:59:60Z', '2016-12-31T23:59:60Z'],
    ['timestamptz', '2019-02-28T24:00:00Z', '2019-02-28T24:00:00Z'],
    ['timestamptz', '0001-01-01T00:00:00+15:59', '0001-01-01T00:00:00+15:59'],
    ['numeric', '1e131071', '1e131071'],
    ['numeric', '-1.5e-16382', '-1.5e-16382'],
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
  // One key for what PostgreSQL's key holds as one row, so a batch never writes one row twice.
  const table: [Parameters<typeof canonicalKey>[0], unknown, unknown][] = [
    ['numeric', '42.0', 42],
    ['numeric', '4.2e1', 42],
    ['numeric', '1e20', '100000000000000000000'],
    // How pg hands back that key: the same record.
    ['numeric', '100000000000000000000', '100000000000000000000'],
    ['numeric', 1e21, '1000000000000000000000'],
    ['numeric', '12345678901234567890', '12345678901234567890'],
    ['numeric', '0.1000000000000000000001', '0.1000000000000000000001'],
    ['numeric', '0.1', 0.1],
    ['numeric', '-0', 0],
    ['timestamptz', '2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['timestamptz', '2019-02-28T24:00:00+01:00', '2019-02-28T23:00:00.000Z'],
    ['timestamptz', '0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
    ['timestamptz', '2026-01-01 01:00:00.0001+01:00', '2026-01-01T00:00:00.000100Z'],
    ['timestamptz', '2026-01-01T00:00:00.000100Z', '2026-01-01T00:00:00.000100Z'],
  ];
  for (const [type, v, key] of table) it(`${type} ${JSON.stringify(v)} -> ${JSON.stringify(key)}`, () => assert.equal(canonicalKey(type, v), key));
});

describe('primary keys a btree index takes', () => {
  const composite = generateStructure({ baseName: 'c', sample: { a: 'x', b: 'y', lines: [{ n: 1 }] }, primaryKey: ['a', 'b'] }).structure;
  const fields = (r: ReturnType<typeof keyOfRecord>) => (r.ok ? [] : r.problems.map((p) => p.field));
  it('a text key of 1000 bytes is a key; 1001 bytes is refused, naming the key field', () => {
    assert.ok(keyOfRecord(structure, { id: 1 }, 'body').ok);
    const s = generateStructure({ baseName: 't', sample: { id: 'k' } }).structure;
    assert.ok(keyOfRecord(s, { id: 'x'.repeat(1000) }, 'body').ok);
    const r = mapRecord(s, { id: 'x'.repeat(1001) }, 'upsert', 'body');
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.problems, [{ field: 'body.id', message: 'is too long for a primary key: at most 1000 bytes (UTF-8; a quote, backslash or control character counts as its JSON escape)' }]);
  });
  it('a numeric key given as text counts its digits written out', () => {
    assert.deepEqual(fields(keyOfRecord(structure, { id: '1e5000' }, 'body')), ['body.id']);
    assert.deepEqual(fields(keyOfRecord(structure, { id: '1e200000' }, 'body')), ['body.id']);
  });
  it("a composite key's values together are at most 2048 bytes, named at the longest", () => {
    const three = generateStructure({ baseName: 'c3', sample: { a: 'x', b: 'y', c: 'z' }, primaryKey: ['a', 'b', 'c'] }).structure;
    assert.ok(keyOfRecord(three, { a: 'x'.repeat(900), b: 'y'.repeat(1000), c: 'z'.repeat(148) }, 'body').ok);
    const r = keyOfRecord(three, { a: 'x'.repeat(900), b: 'y'.repeat(996) + 'é'.repeat(2), c: 'z'.repeat(150) }, 'body');
    assert.equal(r.ok, false);
    if (!r.ok) assert.deepEqual(r.problems, [{ field: 'body.b', message: "makes the primary key's values 2050 bytes together; a key may have at most 2048" }]);
  });
  it("child tables' key columns hold the same checked values (their index is the root's key plus positions)", () => {
    const r = mapRecord(composite, { a: 'x'.repeat(1000), b: 'y'.repeat(1000), lines: [{ n: 1 }] }, 'upsert', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.rows.children.get('c_lines')), [{ _root_a: 'x'.repeat(1000), _root_b: 'y'.repeat(1000), _pos1: 1, n: 1 }]);
  });
  it('a key in the URL is held to the same limits', () => {
    const s = generateStructure({ baseName: 't', sample: { id: 'k' } }).structure;
    const r = keyFromRequest(s, 'é'.repeat(501), {});
    assert.deepEqual(r.ok ? r.key : r.problems.map((p) => p.field), ['recordId']);
    const q = keyFromRequest(composite, undefined, { a: 'x'.repeat(1500), b: 'y'.repeat(1000) });
    assert.deepEqual(q.ok ? q.key : q.problems.map((p) => p.field), ['a']);
  });
  it('a timestamp key outside years 0001-9999 UTC is refused; the same value elsewhere is stored', () => {
    const s = generateStructure({ baseName: 't', sample: { at: '2026-01-01T00:00:00Z', also: '2026-01-01T00:00:00Z' }, primaryKey: ['at'] }).structure;
    assert.deepEqual(fields(keyOfRecord(s, { at: '0001-01-01T00:00:00+15:59' }, 'body')), ['body.at']);
    assert.ok(mapRecord(s, { at: '2026-01-01T00:00:00Z', also: '0001-01-01T00:00:00+15:59' }, 'upsert', 'body').ok);
  });
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
  it('leniently (a record accepted under an earlier structure), leaves out what does not fit instead of refusing it; the key must still fit', () => {
    const record = { id: 1, title: 't', paid: 'yes', customer: 'Ada', lines: [{ sku: 'a', opts: 'none' }, 'b', { sku: { x: 1 } }], meta: { a: 2 } };
    const r = mapRecord(structure, record, 'upsert', 'body', { lenient: true });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(plain(r.rows.root), { id: 1, title: 't', paid: null, at: null, meta_a: 2, customer_name: null, customer_city: null });
    assert.deepEqual(plain(r.rows.children.get('orders_lines')), [
      { _root_id: 1, _pos1: 1, sku: 'a' },
      { _root_id: 1, _pos1: 3, sku: null },
    ]);
    assert.deepEqual(plain(r.rows.children.get('orders_lines_opts')), []);
    const patch = mapRecord(structure, { id: 1, title: 'u', paid: 'yes' }, 'patch', 'body', { lenient: true });
    assert.ok(patch.ok);
    assert.deepEqual(plain(patch.rows.root), { id: 1, title: 'u' }, 'a patch leaves a misfit column as it is');
    const noKey = mapRecord(structure, { title: 'x' }, 'upsert', 'body', { lenient: true });
    assert.equal(noKey.ok, false);
  });
  it('treats __proto__ and constructor keys as data', () => {
    const s = generateStructure({ baseName: 'p', sample: JSON.parse('{"id":1,"__proto__":{"x":"a"},"constructor":"c"}') }).structure;
    const r = mapRecord(s, JSON.parse('{"id":2,"__proto__":{"x":"polluted?"},"constructor":"ACME"}'), 'upsert', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.rows.root), { id: 2, proto_x: 'polluted?', constructor: 'ACME' });
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });
});

describe('mapRecord: values PostgreSQL refuses are refused with the field', () => {
  const bad: [string, unknown, string[]][] = [
    ['a calendar-invalid date', { id: 1, at: '2019-02-31T00:00:00Z' }, ['body.at']],
    ['year 0000', { id: 1, at: '0000-06-01T00:00:00Z' }, ['body.at']],
    ['a numeric overflow in a child row', { id: 1, lines: [{ sku: 'a', opts: [{ k: 'v' }] }], meta: { a: '1e200000' } }, ['body.meta.a']],
    ['a numeric key that overflows', { id: '1e200000' }, ['body.id']],
    // JSON.parse reads 1e400 as Infinity: refused where it would land, never stored as null.
    ['a JSON number past a double in a numeric column', { id: 1, customer: { name: 'n' }, lines: [{ sku: 's', opts: [{ k: 'v' }] }], ...JSON.parse('{"meta":{"a":1e400}}') }, ['body.meta.a']],
    ['a JSON number past a double in a text column', JSON.parse('{"id":1,"title":-1e999}'), ['body.title']],
  ];
  it('says why a number past a double is refused', () => {
    const r = mapRecord(structure, JSON.parse('{"id":1,"title":1e400}'), 'upsert', 'body');
    assert.ok(!r.ok);
    assert.match(r.problems[0].message, /beyond the range of a JSON number .* send it as a string/);
  });
  for (const [name, record, fields] of bad) {
    it(name, () => {
      const r = mapRecord(structure, record, 'upsert', 'body');
      assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.field), fields);
    });
  }

  // 600 columns: a row of them holds 600 values of 30 bytes only as 600 18-byte pointers, 10.8 KB.
  const wideSample = Object.fromEntries([['id', 1], ...Array.from({ length: 599 }, (_, i) => [`f${i}`, 'x'])]);
  const wide = generateStructure({ baseName: 'wide', sample: { ...wideSample, lines: [wideSample] } }).structure;
  const distinct = (i: number) => `${i}-abcdefghijklmnopqrstuvwxyz`.slice(0, 30);
  const filled = (n: number) => Object.fromEntries([['id', 1], ...Array.from({ length: n }, (_, i) => [`f${i}`, distinct(i)])]);
  it('a root row PostgreSQL cannot store ("row is too big") is refused, naming the record', () => {
    const r = mapRecord(wide, filled(599), 'upsert', 'body');
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0].field, 'body');
      assert.match(r.problems[0].message, /^makes a row of about \d+ bytes in table wide; PostgreSQL stores at most 8160 bytes per row/);
    }
  });
  it('the same table takes rows of short values, and rows with fewer long ones', () => {
    assert.ok(mapRecord(wide, { ...wideSample }, 'upsert', 'body').ok);
    assert.ok(mapRecord(wide, filled(300), 'upsert', 'body').ok);
  });
  it('a child row is measured too, and a patch by the columns it gives', () => {
    const r = mapRecord(wide, { id: 1, lines: [{ f0: 'a' }, filled(599)] }, 'upsert', 'body');
    assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.field), ['body.lines[1]']);
    assert.ok(mapRecord(wide, filled(300), 'patch', 'body').ok);
    assert.equal(mapRecord(wide, filled(599), 'patch', 'body').ok, false);
  });
});

describe('mapRecord: a PATCH of a nested object keeps the child tables it does not reach', () => {
  const github = JSON.parse(readFileSync(join(__dirname, 'testdata/github-issues-event.json'), 'utf8')) as { issue: { id: number } };
  const gh = generateStructure({ baseName: 'github_issues', sample: github, primaryKey: ['issue.id'] }).structure;
  const id = github.issue.id;
  const replaced = (record: unknown) => {
    const r = mapRecord(gh, record, 'patch', 'body');
    assert.ok(r.ok, JSON.stringify(r));
    return [...r.rows.children.keys()];
  };
  it('{"issue":{"title":"x"}} replaces no child table', () => assert.deepEqual(replaced({ issue: { id, title: 'x' } }), []));
  it('{"issue":{"labels":[…]}} replaces the labels only', () => {
    const r = mapRecord(gh, { issue: { id, labels: [{ name: 'p1' }] } }, 'patch', 'body');
    assert.ok(r.ok);
    assert.deepEqual([...r.rows.children.keys()], ['github_issues_issue_labels']);
    assert.deepEqual(r.rows.children.get('github_issues_issue_labels')?.map((x) => x.name), ['p1']);
  });
  it('{"issue":{"assignees":null}} clears the assignees only', () => {
    const r = mapRecord(gh, { issue: { id, assignees: null } }, 'patch', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(Object.fromEntries(r.rows.children)), { github_issues_issue_assignees: [] });
  });
  it('an upsert still replaces every child table', () => assert.deepEqual([...(mapRecord(gh, github, 'upsert', 'body') as { rows: { children: Map<string, unknown> } }).rows.children.keys()], ['github_issues_issue_labels', 'github_issues_issue_assignees']));

  const nested = generateStructure({ baseName: 'n', sample: { id: 1, issue: { title: 't', labels: [{ name: 'bug' }], assignees: [{ login: 'a' }] } } }).structure;
  it('{"issue":null} clears what lies under issue: its columns and its tables, as the merged record has no issue', () => {
    const r = mapRecord(nested, { id: 1, issue: null }, 'patch', 'body');
    assert.ok(r.ok);
    assert.deepEqual(plain(r.rows.root), { id: 1, issue_title: null });
    assert.deepEqual(plain(Object.fromEntries(r.rows.children)), { n_issue_labels: [], n_issue_assignees: [] });
  });
  it('{"issue":5} does not fit', () => {
    const r = mapRecord(nested, { id: 1, issue: 5 }, 'patch', 'body');
    assert.equal(r.ok, false);
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
  const flags = generateStructure({ baseName: 'f', sample: { id: true } }).structure;
  const table: [string, Parameters<typeof keyFromRequest>, unknown][] = [
    // A boolean key is addressed the same way in the path (PATCH or DELETE …/true) as in the query.
    ['a boolean record id', [flags, 'true', {}], { id: true }],
    ['a boolean key in the query', [flags, undefined, { id: 'false' }], { id: false }],
    ['a boolean record id that is neither', [flags, 'yes', {}], ['recordId']],
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

describe('foldPatch: a batch writes what its changes written in order would', () => {
  // meta is a jsonb column (an empty object in the sample); address is flattened, with a
  // nested object and a child table under it.
  const { structure: s } = generateStructure({ baseName: 'people', sample: { id: 1, meta: {}, address: { city: 'c', zip: 'z', geo: { lat: 1 }, tags: [{ t: 'x' }] } } });

  /** The tables' state for one record: its root columns and each child table's rows. */
  type State = { root: Row; children: Record<string, unknown[]> };
  function write(state: State, record: Row, mode: 'upsert' | 'patch'): State {
    const m = mapRecord(s, record, mode, 'body');
    assert.ok(m.ok, JSON.stringify(m));
    const children = { ...state.children };
    for (const [t, rows] of m.rows.children) children[t] = plain(rows);
    return { root: mode === 'upsert' ? plain(m.rows.root) : { ...state.root, ...plain(m.rows.root) }, children };
  }
  const stored: Row = { id: 1, meta: { old: true }, address: { city: 'Oslo', zip: '0150', geo: { lat: 59 }, tags: [{ t: 'home' }] } };
  const start = () => write({ root: {}, children: {} }, stored, 'upsert');

  it('a jsonb column is set to what the later patch gives, not to a merge of the two objects', () => {
    assert.deepEqual(plain(foldPatch(s, { id: 1, meta: { a: 1 } }, { meta: { b: 2 } })), { id: 1, meta: { b: 2 } });
  });
  it('what a null cleared stays cleared when a later patch gives an object there', () => {
    const folded = foldPatch(s, { id: 1, address: null }, { id: 1, address: { city: 'x' } });
    assert.deepEqual(plain(folded), { id: 1, address: { city: 'x', zip: null, geo: null, tags: null } });
    const inOrder = write(write(start(), { id: 1, address: null }, 'patch'), { id: 1, address: { city: 'x' } }, 'patch');
    assert.deepEqual(write(start(), folded, 'patch'), inOrder);
  });
  it('keeps __proto__ as data', () => {
    const folded = foldPatch(s, JSON.parse('{"id":1,"__proto__":{"a":1}}'), JSON.parse('{"__proto__":{"b":2}}'));
    assert.equal(JSON.stringify(folded), '{"id":1,"__proto__":{"a":1,"b":2}}');
    assert.equal(({} as Record<string, unknown>).a, undefined);
  });
  it('any upsert or patch followed by patches: one folded write leaves the tables as the writes in order', () => {
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
    const address = maybe(
      fc.record({ city: maybe(fc.constantFrom('a', 'b')), zip: maybe(fc.constantFrom('1', '2')), geo: maybe(fc.record({ lat: maybe(fc.integer({ min: 0, max: 3 })) }, { requiredKeys: [] })), tags: maybe(fc.array(fc.record({ t: fc.constantFrom('x', 'y') }), { maxLength: 2 })) }, { requiredKeys: [] }),
    );
    const change = fc.record({ id: fc.constant(1), meta: maybe(fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 3 }))), address }, { requiredKeys: ['id'] });
    fc.assert(
      fc.property(fc.boolean(), change, fc.array(change, { minLength: 1, maxLength: 4 }), (upsertFirst, first, patches) => {
        const mode = upsertFirst ? 'upsert' : 'patch';
        let inOrder = write(start(), first as Row, mode);
        let folded = first as Row;
        for (const p of patches) {
          inOrder = write(inOrder, p as Row, 'patch');
          folded = foldPatch(s, folded, p as Row);
        }
        assert.deepEqual(write(start(), folded, mode), inOrder);
      }),
      { numRuns: 500 },
    );
  });
});
