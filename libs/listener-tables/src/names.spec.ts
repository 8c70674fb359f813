import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { columnAllocator, columnNameProblem, MAX_IDENTIFIER_BYTES, NameAllocator, nameFromPath, nameProblem, normalizeKey, truncateBytes } from './names';

describe('normalizeKey', () => {
  const table: [string, string][] = [
    ['id', 'id'],
    ['Content-Type', 'content_type'],
    ['+1', 'plus_1'],
    ['-1', 'minus_1'],
    ['org.opencontainers.image.url', 'org_opencontainers_image_url'],
    ['"; DROP TABLE users; --', 'drop_table_users'],
    ["it's", 'it_s'],
    ['a;b', 'a_b'],
    ['__proto__', 'proto'],
    ['constructor', 'constructor'],
    ['  spaced  out ', 'spaced_out'],
    ['', 'col'],
    ['!!!', 'col'],
    ['Ünïcode Straße', 'ünïcode_straße'],
    ['日本語キー', '日本語キー'],
    ['emoji 🎉 party', 'emoji_party'],
    ['NUL\u0000byte', 'nul_byte'],
    ['line\nbreak', 'line_break'],
  ];
  for (const [key, name] of table) it(`${JSON.stringify(key)} -> ${name}`, () => assert.equal(normalizeKey(key), name));
});

describe('names are at most 63 bytes', () => {
  it('a 200-character key is cut', () => assert.equal(nameFromPath(['x'.repeat(200)]), 'x'.repeat(63)));
  it('multi-byte characters are never split', () => {
    const n = nameFromPath(['é'.repeat(100)]);
    assert.ok(Buffer.byteLength(n) <= MAX_IDENTIFIER_BYTES);
    assert.equal(n, 'é'.repeat(31));
  });
  it('truncateBytes keeps whole characters', () => assert.equal(truncateBytes('a日本', 5), 'a日'));
});

describe('NameAllocator', () => {
  it('suffixes collisions, within 63 bytes', () => {
    const a = new NameAllocator(['taken']);
    assert.equal(a.allocate('taken'), 'taken_2');
    assert.equal(a.allocate('taken'), 'taken_3');
    const long = 'y'.repeat(63);
    assert.equal(a.allocate(long), long);
    const second = a.allocate(long);
    assert.equal(second, `${'y'.repeat(61)}_2`);
    assert.ok(Buffer.byteLength(second) <= 63);
  });
  it('+1 and -1 do not collide; two keys that normalise alike do', () => {
    const a = new NameAllocator();
    assert.deepEqual(['+1', '-1', 'a-b', 'a.b'].map((k) => a.allocate(normalizeKey(k))), ['plus_1', 'minus_1', 'a_b', 'a_b_2']);
  });
});

describe('nameProblem (names an administrator edits)', () => {
  const table: [unknown, boolean][] = [
    ['issues', true],
    ['_root_id', true],
    ['ünïcode', true],
    ['Issues', false],
    ['a b', false],
    ['a"b', false],
    ['x'.repeat(64), false],
    ['', false],
    [5, false],
    ['a\u0000', false],
    // PostgreSQL reserves pg_ for schema names only: tables and columns may have it.
    ['pg_txn', true],
    ['pg_catalog', true],
    // A table may be named as a system column; a column may not (columnNameProblem).
    ['xmin', true],
  ];
  for (const [name, ok] of table) it(`${JSON.stringify(name)} is ${ok ? 'fine' : 'refused'}`, () => assert.equal(nameProblem(name) === undefined, ok));
});

describe('column names', () => {
  const table: [unknown, string | undefined][] = [
    ['pg_txn', undefined],
    ['oid', undefined],
    ['xmin', 'must not be xmin: PostgreSQL keeps it for a system column'],
    ['ctid', 'must not be ctid: PostgreSQL keeps it for a system column'],
    ['tableoid', 'must not be tableoid: PostgreSQL keeps it for a system column'],
    ['Bad', 'must be lower-case letters, digits and "_"'],
  ];
  for (const [name, problem] of table) it(`${JSON.stringify(name)}: ${problem ?? 'fine'}`, () => assert.equal(columnNameProblem(name), problem));
  it('generated column names step around the system columns', () => {
    const a = columnAllocator(['last_modified']);
    assert.deepEqual(['xmin', 'ctid', 'cmax', 'pg_txn', 'last_modified'].map((k) => a.allocate(normalizeKey(k))), ['xmin_2', 'ctid_2', 'cmax_2', 'pg_txn', 'last_modified_2']);
  });
});
