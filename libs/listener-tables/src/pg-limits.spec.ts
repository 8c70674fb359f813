import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  decimalText,
  decimalTextLength,
  isIsoDateTime,
  isoDateTimeKey,
  isoDateTimeMillis,
  keyValueBytes,
  keyValueProblem,
  numericRangeProblem,
  parseDecimal,
  parseIsoDateTime,
  rowBytes,
  rowFits,
  worstRowBytes,
  type Cell,
  type IsoDateTime,
} from './pg-limits';

// Every expectation below is what PostgreSQL 15.18 answered for the value, sent as rows are
// sent (a jsonb string through jsonb_to_recordset into a timestamptz / numeric column).

describe('isIsoDateTime: what PostgreSQL takes as timestamptz', () => {
  const table: [string, boolean][] = [
    ['2026-01-31T12:00:00Z', true],
    ['2026-01-31T12:00:00+01:00', true],
    ['2026-01-31 12:00:00Z', true],
    ['2016-12-31t12:00:00z', true],
    ['2016-12-31T12:00Z', true],
    ['2016-12-31T12:00:00.123456789Z', true],
    ['2016-02-29T00:00:00Z', true],
    ['2000-02-29T00:00:00Z', true],
    ['0001-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59Z', true],
    // "date/time field value out of range" in PostgreSQL, though V8's Date.parse takes the first two.
    ['2019-02-31T00:00:00Z', false],
    ['0000-01-01T00:00:00Z', false],
    ['2015-02-29T00:00:00Z', false],
    ['1900-02-29T00:00:00Z', false],
    ['2016-00-10T00:00:00Z', false],
    ['2016-13-10T00:00:00Z', false],
    ['2016-12-00T00:00:00Z', false],
    ['2016-12-31T25:00:00Z', false],
    ['2016-12-31T12:60:00Z', false],
    // 24:00 is the next midnight; nothing may follow it.
    ['2019-02-28T24:00:00Z', true],
    ['2016-12-31T24:00Z', true],
    ['2016-12-31T24:00:00.000Z', true],
    ['2019-02-28T24:00:01Z', false],
    ['2016-12-31T24:00:00.5Z', false],
    // A leap second, at any minute; with a fraction it is refused.
    ['2016-12-31T23:59:60Z', true],
    ['2016-12-31T23:58:60Z', true],
    ['2016-12-31T23:59:60.000Z', true],
    ['2016-12-31T23:59:60.5Z', false],
    ['2016-12-31T23:59:61Z', false],
    // Offsets up to ±15:59.
    ['2016-12-31T12:00:00+15:59', true],
    ['2016-12-31T12:00:00-15:59', true],
    ['2016-12-31T12:00:00+1559', true],
    ['2016-12-31T12:00:00+15', true],
    ['2016-12-31T12:00:00+16:00', false],
    ['2016-12-31T12:00:00+16', false],
    ['2016-12-31T12:00:00+14:60', false],
    // Not ISO 8601 with four-digit years (PostgreSQL reads "+010000-…" as a zone and refuses it).
    ['+010000-01-01T00:00:00Z', false],
    ['-000001-01-01T00:00:00Z', false],
    ['10000-01-01T00:00:00Z', false],
    ['infinity', false],
    ['2026-01-31', false],
    ['2026-01-31T12:00:00', false],
  ];
  for (const [s, ok] of table) it(`${s} is ${ok ? 'accepted' : 'refused'}`, () => assert.equal(isIsoDateTime(s), ok));
});

describe('isoDateTimeMillis: the instant PostgreSQL stores', () => {
  const table: [string, string][] = [
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T23:58:60Z', '2016-12-31T23:59:00.000Z'],
    ['2019-02-28T24:00:00Z', '2019-03-01T00:00:00.000Z'],
    ['2016-12-31T12:00:00+15:59', '2016-12-30T20:01:00.000Z'],
    ['2016-12-31T12:00:00-15:59', '2017-01-01T03:59:00.000Z'],
    ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
    ['2026-01-31T12:00:00.123456Z', '2026-01-31T12:00:00.123Z'],
  ];
  for (const [s, iso] of table) it(`${s} -> ${iso}`, () => assert.equal(new Date(isoDateTimeMillis(parseIsoDateTime(s) as IsoDateTime)).toISOString(), iso));
});

describe('isoDateTimeKey: one text per instant, to the microsecond', () => {
  const table: [string, string][] = [
    ['2026-01-31T12:00:00Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31 13:00:00.5+01:00', '2026-01-31T12:00:00.500Z'],
    ['2026-01-31T12:00:00.0001Z', '2026-01-31T12:00:00.000100Z'],
    ['2026-01-31 12:00:00.000100z', '2026-01-31T12:00:00.000100Z'],
    // As PostgreSQL 15 rounds them (through a double, a tie to even).
    ['2026-01-31T12:00:00.1234564Z', '2026-01-31T12:00:00.123456Z'],
    ['2026-01-31T12:00:00.1234565Z', '2026-01-31T12:00:00.123456Z'],
    ['2026-01-31T12:00:00.0000005Z', '2026-01-31T12:00:00.000Z'],
    ['2026-01-31T12:00:00.0000015Z', '2026-01-31T12:00:00.000002Z'],
    ['2016-12-31T23:59:59.9999999Z', '2017-01-01T00:00:00.000Z'],
    ['2026-01-31T12:00:00.0009996Z', '2026-01-31T12:00:00.001Z'],
  ];
  for (const [s, key] of table) it(`${s} -> ${key}`, () => assert.equal(isoDateTimeKey(parseIsoDateTime(s) as IsoDateTime), key));
});

describe('numericRangeProblem: what overflows PostgreSQL numeric', () => {
  const table: [string, boolean][] = [
    ['1e131071', true],
    ['9.9e131071', true],
    ['100e131069', true],
    ['00000000000001e131071', true],
    ['0.00001e131076', true],
    ['0e200000', true],
    ['0e1073741822', true],
    ['1e-16383', true],
    ['1.000e-16380', true],
    ['0.0e-16382', true],
    ['1e-0016383', true],
    ['12.5', true],
    ['-0', true],
    // "value overflows numeric format"
    ['1e200000', false],
    ['1e131072', false],
    ['1000e131069', false],
    ['1e-16384', false],
    ['1.0000e-16380', false],
    ['0e-20000', false],
    ['0e1073741823', false],
    ['0e-1073741822', false],
    ['1e2147483647', false],
    [`1e${'9'.repeat(40)}`, false],
    [`1e-${'9'.repeat(40)}`, false],
  ];
  for (const [s, ok] of table) {
    it(`${s} is ${ok ? 'within range' : 'refused'}`, () => {
      const d = parseDecimal(s);
      assert.ok(d);
      assert.equal(numericRangeProblem(d) === undefined, ok);
    });
  }
  it('NaN and Infinity are no decimal text here (PostgreSQL 15 would store them; JSON has no such number)', () => {
    for (const s of ['NaN', 'Infinity', '-inf', '1e', '.', '']) assert.equal(parseDecimal(s), undefined, s);
  });
});

describe('decimalText: a value written out, as one canonical text', () => {
  const table: [string, string][] = [
    ['1.50e2', '150'],
    ['-0', '0'],
    ['0.000', '0'],
    ['+007.10', '7.1'],
    ['1e20', '100000000000000000000'],
    ['1e-7', '0.0000001'],
    ['-12.5e-1', '-1.25'],
    ['.5', '0.5'],
    ['1.', '1'],
    [' 42 ', '42'],
  ];
  for (const [s, text] of table) {
    it(`${JSON.stringify(s)} -> ${text}`, () => {
      const d = parseDecimal(s);
      assert.ok(d);
      assert.equal(decimalText(d), text);
      assert.equal(decimalTextLength(d), text.length);
    });
  }
});

describe('keys: sizes a btree index takes', () => {
  it('counts UTF-8 bytes, and what JSON escapes as its escape', () => {
    assert.equal(keyValueBytes('abc'), 3);
    assert.equal(keyValueBytes('é'), 2);
    assert.equal(keyValueBytes('a"b'), 4);
    assert.equal(keyValueBytes('\u0001'), 6);
    assert.equal(keyValueBytes(42), 2);
  });
  const table: [Parameters<typeof keyValueProblem>[0], unknown, boolean][] = [
    ['text', 'x'.repeat(1000), true],
    ['text', 'x'.repeat(1001), false],
    ['text', 'é'.repeat(500), true],
    ['text', 'é'.repeat(501), false],
    ['text', '"'.repeat(501), false],
    ['numeric', '1e999', true],
    ['numeric', '1e1000', false],
    ['numeric', `0.${'1'.repeat(998)}`, true],
    ['numeric', `0.${'1'.repeat(999)}`, false],
    ['numeric', 12345, true],
    ['timestamptz', '0001-01-01T00:00:00Z', true],
    ['timestamptz', '9999-12-31T23:59:59Z', true],
    // Stored by PostgreSQL (as 1 BC and 10000 AD), but written as a key they read "0000-…" and "+010000-…".
    ['timestamptz', '0001-01-01T00:00:00+15:59', false],
    ['timestamptz', '9999-12-31T23:59:59-15:59', false],
    ['boolean', true, true],
  ];
  for (const [type, v, ok] of table) it(`${type} ${JSON.stringify(v).slice(0, 40)} is ${ok ? 'a key' : 'refused as a key'}`, () => assert.equal(keyValueProblem(type, v) === undefined, ok));
});

describe('rowBytes: what PostgreSQL stores of a row after TOAST', () => {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const random = (n: number, seed: number) => Array.from({ length: n }, (_, i) => letters[(i * 7 + seed * 13 + ((i * i) % 11)) % letters.length]).join('');
  /** An integer id and `n` more cells, as in the tables the numbers were measured on. */
  const row = (n: number, cell: (i: number) => Cell): Cell[] => [{ type: 'integer', value: 1 }, ...Array.from({ length: n }, (_, i) => cell(i))];
  const text30 = (i: number): Cell => ({ type: 'text', value: random(30, i) });
  it('450 text values of 30 bytes fit (PostgreSQL stored it); 452 do not ("row is too big: size 8168")', () => {
    assert.ok(rowFits(rowBytes(row(450, text30), 451)));
    assert.equal(rowBytes(row(452, text30), 453), 8168);
    assert.equal(rowFits(rowBytes(row(452, text30), 453)), false);
  });
  it('600 text values of 30 bytes do not fit, nor 600 compressible ones of 60 ("size 10832", "size 9632")', () => {
    assert.equal(rowFits(rowBytes(row(600, text30), 601)), false);
    assert.equal(rowFits(rowBytes(row(600, () => ({ type: 'text', value: 'ab'.repeat(30) })), 601)), false);
  });
  it('400 text values of 100 bytes and 600 timestamps fit (PostgreSQL stored both)', () => {
    assert.ok(rowFits(rowBytes(row(400, (i) => ({ type: 'text', value: random(100, i) })), 401)));
    assert.ok(rowFits(rowBytes(row(600, () => ({ type: 'timestamptz', value: '2026-01-01T00:00:00Z' })), 601)));
  });
  it('short values stay in the row at their size; nulls cost only the bitmap', () => {
    assert.equal(rowBytes([{ type: 'text', value: 'abc' }], 1), 32);
    assert.equal(rowBytes([{ type: 'text', value: null }, { type: 'boolean', value: true }], 2), 32);
  });
  it('a table whose widest row fits needs no measuring', () => {
    assert.ok(rowFits(worstRowBytes(Array.from({ length: 290 }, () => 'text' as const))));
    assert.equal(rowFits(worstRowBytes(Array.from({ length: 600 }, () => 'jsonb' as const))), false);
  });
});
