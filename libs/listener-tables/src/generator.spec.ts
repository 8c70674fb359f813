import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ListenerStructure } from '@hookline/contracts';
import { migrationSql } from './ddl';
import { generateStructure, mergeStructures } from './generator';
import { planMigration } from './migration';
import { columnNameProblem, nameProblem } from './names';
import { TableInputError } from './problems';
import { validateStructure } from './structure-rules';

const github = JSON.parse(readFileSync(join(__dirname, 'testdata/github-issues-event.json'), 'utf8')) as Record<string, unknown>;

function cols(s: ListenerStructure, table = 0): Record<string, string> {
  return Object.fromEntries(s.tables[table].columns.map((c) => [c.name, c.type]));
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof TableInputError) return err.problems.map((p) => `${p.field}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('generateStructure: types and shapes', () => {
  const { structure } = generateStructure({
    baseName: 'Orders',
    sample: {
      id: 7,
      title: 'x',
      paid: true,
      amount: 12.5,
      created_at: '2026-01-31T12:00:00Z',
      day: '2026-01-31',
      note: null,
      tags: ['a', 'b'],
      customer: { name: 'Ada', address: { city: 'Oslo' } },
      lines: [
        { sku: 'A-1', qty: 2, options: [{ k: 'size', v: 'L' }] },
        { sku: 'B-2', qty: 1, discount: 0.1 },
      ],
    },
  });
  it('the root table has a column per scalar, flattened objects, jsonb for the rest, and last_modified is reserved', () => {
    assert.equal(structure.tables[0].name, 'orders');
    assert.deepEqual(cols(structure), {
      id: 'numeric',
      title: 'text',
      paid: 'boolean',
      amount: 'numeric',
      created_at: 'timestamptz',
      day: 'text',
      note: 'jsonb',
      tags: 'jsonb',
      customer_name: 'text',
      customer_address_city: 'text',
    });
    assert.deepEqual(structure.primaryKey, ['id']);
  });
  it('arrays of objects become child tables keyed by the root key and their positions', () => {
    const lines = structure.tables[1];
    assert.equal(lines.name, 'orders_lines');
    assert.equal(lines.parent, 'orders');
    assert.deepEqual(lines.path, ['lines']);
    assert.deepEqual(lines.keyColumns, ['_root_id']);
    assert.deepEqual(lines.positionColumns, ['_pos1']);
    // Fields of every element are merged.
    assert.deepEqual(cols(structure, 1), { sku: 'text', qty: 'numeric', discount: 'numeric' });
    const options = structure.tables[2];
    assert.equal(options.name, 'orders_lines_options');
    assert.equal(options.parent, 'orders_lines');
    assert.deepEqual(options.positionColumns, ['_pos1', '_pos2']);
  });
  it('mixed types widen to text, anything else to jsonb', () => {
    const { structure: s } = generateStructure({ baseName: 'm', sample: [{ id: 1, a: 1, b: { x: 1 }, c: '2026-01-01T00:00:00Z' }, { id: 2, a: 'one', b: 'flat', c: 'not a date' }] });
    assert.deepEqual(cols(s), { id: 'numeric', a: 'text', b: 'jsonb', c: 'text' });
  });
  it('a root path and a composite key', () => {
    const { structure: s } = generateStructure({
      baseName: 'stock',
      rootPath: 'data.items',
      primaryKey: ['warehouse', '/item/sku'],
      sample: { data: { items: [{ warehouse: 'W1', item: { sku: 'S-1' }, qty: 3 }] } },
    });
    assert.deepEqual(s.rootPath, ['data', 'items']);
    assert.deepEqual(s.primaryKey, ['warehouse', 'item_sku']);
  });
});

describe('generateStructure: refusals name the field', () => {
  const table: [string, Parameters<typeof generateStructure>[0], RegExp][] = [
    ['no id', { baseName: 'x', sample: { name: 'a' } }, /^primaryKey: .*no scalar "id"/],
    ['a key that is not a field', { baseName: 'x', sample: { id: 1 }, primaryKey: ['nope'] }, /^primaryKey\[0\]: nope is not a scalar field/],
    ['a key that is an object', { baseName: 'x', sample: { id: { a: 1 } }, primaryKey: ['id'] }, /^primaryKey\[0\]/],
    ['a missing root path', { baseName: 'x', sample: { id: 1 }, rootPath: 'data.items' }, /^rootPath: data\.items is missing/],
    ['a scalar sample', { baseName: 'x', sample: 5 }, /^sample: must be an object/],
    ['records that are not objects', { baseName: 'x', sample: [{ id: 1 }, 2] }, /^sample: every record/],
    ['an empty array', { baseName: 'x', sample: [] }, /^sample: holds no record/],
    ['a taken base name', { baseName: 'Orders', sample: { id: 1 }, takenTableNames: ['orders'] }, /^baseName: the tenant already has a table orders/],
  ];
  for (const [name, input, message] of table) {
    it(name, () => {
      const problems = problemsOf(() => generateStructure(input));
      assert.ok(problems.some((p) => message.test(p)), problems.join('\n'));
    });
  }
});

describe('generateStructure: hostile keys', () => {
  const hostile = {
    id: 1,
    'a"b': 1,
    "it's": 2,
    'x; DROP TABLE orders; --': 3,
    '"; DROP TABLE hookline_migrations; --': 4,
    ['k'.repeat(200)]: 5,
    ['k'.repeat(199) + 'z']: 6,
    'Ünïcode 日本 🎉': 7,
    '': 8,
    '+1': 9,
    '-1': 10,
    'org.opencontainers.image.url': 'u',
    __proto__: { polluted: true },
    constructor: 'c',
    last_modified: 'the platform owns this name',
    nested: { 'a"b': { ";'": 1 } },
  };
  // As JSON.parse makes it: "__proto__" an own key (the literal above set the prototype instead).
  const sample = JSON.parse(JSON.stringify(hostile)) as Record<string, unknown>;
  Object.defineProperty(sample, '__proto__', { value: { polluted: true }, enumerable: true });
  const { structure } = generateStructure({ baseName: '"; DROP SCHEMA public; --', sample });
  it('every name is a valid, unique identifier of at most 63 bytes', () => {
    assert.deepEqual(validateStructure(structure), []);
    for (const t of structure.tables) for (const c of t.columns) assert.equal(nameProblem(c.name), undefined, c.name);
  });
  it('keeps every key as a column, reading it from its exact source', () => {
    const bySource = new Map(structure.tables[0].columns.map((c) => [JSON.stringify(c.source), c.name]));
    assert.equal(bySource.get(JSON.stringify(['x; DROP TABLE orders; --'])), 'x_drop_table_orders');
    assert.equal(bySource.get(JSON.stringify(['+1'])), 'plus_1');
    assert.equal(bySource.get(JSON.stringify(['-1'])), 'minus_1');
    assert.equal(bySource.get(JSON.stringify(['org.opencontainers.image.url'])), 'org_opencontainers_image_url');
    assert.equal(bySource.get(JSON.stringify(['__proto__', 'polluted'])), 'proto_polluted');
    assert.equal(bySource.get(JSON.stringify(['constructor'])), 'constructor');
    assert.equal(bySource.get(JSON.stringify(['last_modified'])), 'last_modified_2');
    assert.equal(bySource.get(JSON.stringify(['k'.repeat(200)])), 'k'.repeat(63));
    assert.equal(bySource.get(JSON.stringify(['k'.repeat(199) + 'z'])), `${'k'.repeat(61)}_2`);
    assert.equal(bySource.get(JSON.stringify([''])), 'col');
  });
  it('the table name is normalised too, and the DDL names only the tenant schema', () => {
    assert.equal(structure.tables[0].name, 'drop_schema_public');
    const sql = migrationSql('tenant_acme', structure, planMigration(null, structure).ops);
    for (const stmt of sql) {
      const qualifiedNames = [...stmt.matchAll(/(?:TABLE|ON|REFERENCES) ("(?:[^"]|"")+")\.("(?:[^"]|"")+")/g)].map((m) => m[1]);
      assert.ok(qualifiedNames.every((n) => n === '"tenant_acme"'), stmt);
    }
    assert.match(sql[1], /^CREATE TABLE "tenant_acme"\."drop_schema_public" \(/);
  });
  it('no prototype was touched', () => assert.equal(({} as Record<string, unknown>).polluted, undefined));
});

describe('generateStructure: a real-world GitHub issues event', () => {
  const { structure, warnings } = generateStructure({ baseName: 'github_issues', sample: github, primaryKey: ['issue.id'] });
  it('proposes a root table and child tables for labels and assignees', () => {
    assert.deepEqual(
      structure.tables.map((t) => t.name),
      ['github_issues', 'github_issues_issue_labels', 'github_issues_issue_assignees'],
    );
    assert.deepEqual(structure.primaryKey, ['issue_id']);
    const root = cols(structure);
    assert.equal(root.issue_reactions_plus_1, 'numeric');
    assert.equal(root.issue_reactions_minus_1, 'numeric');
    assert.equal(root.issue_created_at, 'timestamptz');
    assert.equal(root.repository_custom_properties_org_opencontainers_image_url, 'text');
    assert.equal(root.repository_topics, 'jsonb');
    assert.equal(root.issue_milestone_creator_login, 'text');
    assert.deepEqual(validateStructure(structure), []);
    assert.ok(warnings.some((w) => /performed_via_github_app/.test(w)));
  });
});

describe('generateStructure: only what PostgreSQL takes as a timestamp is one', () => {
  it('a calendar-invalid date or year 0000 makes a text column; a leap second and 24:00 are timestamps', () => {
    const { structure: s } = generateStructure({
      baseName: 't',
      sample: { id: 1, feb31: '2019-02-31T00:00:00Z', year0: '0000-01-01T00:00:00Z', zone16: '2026-01-01T00:00:00+16:00', leap: '2016-12-31T23:59:60Z', midnight: '2019-02-28T24:00:00Z' },
    });
    assert.deepEqual(cols(s), { id: 'numeric', feb31: 'text', year0: 'text', zone16: 'text', leap: 'timestamptz', midnight: 'timestamptz' });
  });
});

describe('generateStructure: generated names never fail on a field the request did not send', () => {
  it('a pg_ key and a "pg orders" base name make tables and columns as they are (PostgreSQL reserves pg_ for schemas only)', () => {
    const { structure: s } = generateStructure({ baseName: 'pg orders', sample: { id: 1, pg_txn: 'T-1', lines: [{ pg_line: 1 }] } });
    assert.deepEqual(validateStructure(s), []);
    assert.deepEqual(s.tables.map((t) => t.name), ['pg_orders', 'pg_orders_lines']);
    // A column an admin names as a system column is refused when the structure is checked, naming it.
    const edited = { ...s, tables: [{ ...s.tables[0], columns: s.tables[0].columns.map((c) => (c.name === 'pg_txn' ? { ...c, name: 'xmin' } : c)) }, ...s.tables.slice(1)] };
    const i = s.tables[0].columns.findIndex((c) => c.name === 'pg_txn');
    assert.deepEqual(validateStructure(edited).map((p) => p.field), [`structure.tables[0].columns[${i}].name`]);
    assert.deepEqual(Object.keys(cols(s)), ['id', 'pg_txn']);
    assert.deepEqual(Object.keys(cols(s, 1)), ['pg_line']);
  });
  it('keys named like system columns become other columns ("column name xmin conflicts with a system column name")', () => {
    const { structure: s } = generateStructure({ baseName: 'sys', sample: { id: 1, xmin: 1, ctid: 'c', tableoid: 't', lines: [{ cmax: 1 }] } });
    assert.deepEqual(Object.keys(cols(s)), ['id', 'xmin_2', 'ctid_2', 'tableoid_2']);
    assert.deepEqual(Object.keys(cols(s, 1)), ['cmax_2']);
    assert.deepEqual(s.tables[0].columns.find((c) => c.name === 'xmin_2')?.source, ['xmin']);
    for (const t of s.tables) for (const c of t.columns) assert.equal(columnNameProblem(c.name), undefined, c.name);
  });
  it('so does a merge that adds such a key to a listener', () => {
    const a = generateStructure({ baseName: 'o', sample: { id: 1 } }).structure;
    const b = generateStructure({ baseName: 'o', sample: { id: 1, ctid: 'c', pg_x: 1, notes: [{ xmax: 1 }] } }).structure;
    const { structure: m } = mergeStructures(a, b);
    assert.deepEqual(Object.keys(cols(m)), ['id', 'ctid_2', 'pg_x']);
    assert.deepEqual(Object.keys(cols(m, 1)), ['xmax_2']);
  });
});

describe('mergeStructures', () => {
  it('keeps every table and column and adds what a new sample brings', () => {
    const a = generateStructure({ baseName: 'o', sample: { id: 1, name: 'x', lines: [{ sku: 'a' }] } }).structure;
    const b = generateStructure({ baseName: 'o', sample: { id: 1, name: 5, email: 'e', lines: [{ sku: 'a', qty: 1 }], notes: [{ text: 't' }] } }).structure;
    const { structure: m, warnings } = mergeStructures(a, b);
    assert.deepEqual(cols(m), { id: 'numeric', name: 'text', email: 'text' });
    assert.deepEqual(cols(m, 1), { sku: 'text', qty: 'numeric' });
    assert.deepEqual(m.tables.map((t) => t.name), ['o', 'o_lines', 'o_notes']);
    assert.deepEqual(planMigration(a, m).conflicts, []);
    assert.deepEqual(warnings, []);
  });
  it('keeps the shape of a field the tables read already, with a warning: a value does not become a table or an object, nor a table an object', () => {
    const a = generateStructure({ baseName: 'o', sample: { id: 1, tags: 'x', meta: 'm', lines: [{ sku: 'a' }] } }).structure;
    const b = generateStructure({ baseName: 'o', sample: { id: 1, tags: [{ k: 'a' }], meta: { a: 1 }, lines: { count: 2 }, other: [{ z: 1 }] } }).structure;
    const { structure: m, warnings } = mergeStructures(a, b);
    assert.deepEqual(cols(m), { id: 'numeric', tags: 'text', meta: 'text' });
    assert.deepEqual(m.tables.map((t) => t.name), ['o', 'o_lines', 'o_other']);
    assert.deepEqual(planMigration(a, m).conflicts, []);
    assert.equal(warnings.length, 3, warnings.join('\n'));
    assert.match(warnings.join('\n'), /tags in o: not made a table \(field tags is stored in column o\.tags as a value/);
  });
});

describe('generateStructure: fuzzed samples (fast-check)', () => {
  const key = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('__proto__', 'constructor', 'prototype', '+1', '-1', 'a.b', '"; DROP TABLE x; --', 'last_modified', '_root_id', '_pos1', 'id'));
  const leaf = fc.oneof(fc.string({ maxLength: 20 }), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null), fc.constantFrom('2026-01-31T12:00:00Z', '2026-13-45T99:99:99Z'));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), tie('array')),
    object: fc.dictionary(key, tie('value'), { maxKeys: 8 }),
    array: fc.array(tie('value'), { maxLength: 4 }),
  }));
  it('either a valid structure whose SQL stays in the tenant schema, or a TableInputError', () => {
    let generated = 0;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 10 }), fc.string({ maxLength: 100 }), (record, baseName) => {
        const sample = JSON.parse(JSON.stringify({ id: 1, ...record }));
        let structure: ListenerStructure;
        try {
          structure = generateStructure({ baseName, sample }).structure;
        } catch (err) {
          assert.ok(err instanceof TableInputError, String(err));
          return;
        }
        generated++;
        assert.deepEqual(validateStructure(structure), []);
        for (const stmt of migrationSql('tenant_t', structure, planMigration(null, structure).ops)) {
          assert.ok(!/;/.test(stmt.replace(/"(?:[^"]|"")*"/g, '')), `a statement separator outside identifiers: ${stmt}`);
          for (const m of stmt.matchAll(/("(?:[^"]|"")+")\.("(?:[^"]|"")+")/g)) assert.equal(m[1], '"tenant_t"', stmt);
        }
      }),
      { numRuns: 300 },
    );
    assert.ok(generated > 100, `only ${generated} of 300 samples made a structure`);
  });
});

describe('validateStructure: a column keeping the whole element', () => {
  it('must be jsonb: the element is an object, which a numeric, boolean or timestamptz column refuses only when the change is applied', () => {
    const { structure: s } = generateStructure({ baseName: 'els', sample: { id: 1, items: [{}] } });
    assert.deepEqual(s.tables[1].columns, [{ name: 'value', source: [], type: 'jsonb' }]);
    assert.deepEqual(validateStructure(s), []);
    for (const type of ['numeric', 'boolean', 'timestamptz', 'text']) {
      const edited = { ...s, tables: [s.tables[0], { ...s.tables[1], columns: [{ name: 'value', source: [], type }] }] };
      assert.deepEqual(validateStructure(edited).map((p) => p.field), ['structure.tables[1].columns[0].type'], type);
    }
  });
});

describe('generateStructure: a sample too wide for one table', () => {
  it('is refused once per table, however many fields are past the limit', () => {
    const sample = Object.fromEntries([['id', 1], ...Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])]);
    assert.deepEqual(problemsOf(() => generateStructure({ baseName: 'wide', sample })), ['sample: table wide would have more than 600 columns; choose a root path or a smaller sample']);
  });
});
