import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storableText } from '@hookline/persistence';
import { refusedForContent, writeInParts } from './log-entries';

describe('storableText: what PostgreSQL text and jsonb can hold', () => {
  const table: [string, string, string][] = [
    ['plain text', 'abc', 'abc'],
    ['empty', '', ''],
    ['NUL', 'a\u0000b', 'a\uFFFDb'],
    ['only NULs', '\u0000\u0000', '\uFFFD\uFFFD'],
    ['a lone high surrogate', 'x\uD800y', 'x\uFFFDy'],
    ['a lone high surrogate at the end (a body cut mid-character)', 'x\uD83D', 'x\uFFFD'],
    ['a lone low surrogate', '\uDC00z', '\uFFFDz'],
    ['two high surrogates, then a low one', '\uD800\uD83D\uDE00', '\uFFFD\uD83D\uDE00'],
    ['a pair stays', 'emoji \uD83D\uDE00', 'emoji \uD83D\uDE00'],
    ['other control characters stay (jsonb takes them)', '\u0001\t\u001f\u007f', '\u0001\t\u001f\u007f'],
    ['U+FFFD itself', '\uFFFD', '\uFFFD'],
    ['the parser quoting what it stopped at', 'malformed JSON: Unexpected token \'\u0000\', "{"id":\u0000}" is not valid JSON', 'malformed JSON: Unexpected token \'\uFFFD\', "{"id":\uFFFD}" is not valid JSON'],
  ];
  for (const [name, input, want] of table) {
    it(name, () => {
      const got = storableText(input);
      assert.equal(got, want);
      // What the repository sends: JSON that jsonb parses. JSON.stringify escapes only
      // lone surrogates (\udxxx) and NUL (\u0000); pairs and U+FFFD go as they are.
      assert.doesNotMatch(JSON.stringify(got), /\\u0000|\\ud[89a-f]/i);
    });
  }
  it('is the same on a second pass (idempotent), and keeps the length', () => {
    const s = 'a\u0000\uD800\uDC00\uDBFF-\uDFFF';
    assert.equal(storableText(storableText(s)), storableText(s));
    assert.equal(storableText(s).length, s.length);
  });
});

describe('refusedForContent: which errors are the entries’ own', () => {
  const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });
  const table: [string, unknown, boolean][] = [
    ['22P05 untranslatable character (\\u0000 in jsonb)', pgError('22P05'), true],
    ['22P02 invalid text representation (a lone surrogate escape)', pgError('22P02'), true],
    ['22003 numeric value out of range', pgError('22003'), true],
    ['23505 unique violation', pgError('23505'), true],
    ['21000 cardinality violation (ON CONFLICT touching a row twice)', pgError('21000'), true],
    ['TypeORM QueryFailedError: the pg error as driverError', Object.assign(new Error('q'), { driverError: { code: '22021' } }), true],
    ['08006 connection failure', pgError('08006'), false],
    ['57P01 admin shutdown', pgError('57P01'), false],
    ['57014 statement timeout', pgError('57014'), false],
    ['53300 too many connections', pgError('53300'), false],
    ['40P01 deadlock', pgError('40P01'), false],
    ['42P01 undefined table (a schema problem, not the entries’)', pgError('42P01'), false],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false],
    ['EPIPE (five characters, not a SQLSTATE)', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), false],
    ['Connection terminated (no code)', new Error('Connection terminated unexpectedly'), false],
    ['a pool timeout', new Error('timeout exceeded when trying to connect'), false],
    ['not an error', 'boom', false],
    ['undefined', undefined, false],
  ];
  for (const [name, err, want] of table) it(name, () => assert.equal(refusedForContent(err), want));
});

describe('writeInParts', () => {
  const contentError = () => Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
  const down = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  /** A database that refuses any part holding a "bad" entry, and records what it stored and every call. */
  function db(opts: { downAfterCalls?: number } = {}) {
    const stored: string[] = [];
    const calls: string[][] = [];
    return {
      stored,
      calls,
      write: async (part: string[]) => {
        calls.push(part);
        if (opts.downAfterCalls !== undefined && calls.length > opts.downAfterCalls) throw down();
        if (part.some((e) => e.startsWith('bad'))) throw contentError();
        stored.push(...part);
      },
    };
  }

  it('writes a batch the database takes in one call', async () => {
    const d = db();
    const out = await writeInParts(['a', 'b', 'c'], d.write);
    assert.deepEqual(out, { dropped: [], unwritten: [] });
    assert.deepEqual(d.calls, [['a', 'b', 'c']]);
  });

  it('an empty batch makes no call', async () => {
    const d = db();
    assert.deepEqual(await writeInParts([], d.write), { dropped: [], unwritten: [] });
    assert.equal(d.calls.length, 0);
  });

  it('drops only the entries refused alone, keeping the others in their order', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => (i === 3 || i === 17 ? `bad${i}` : `ok${i}`));
    const d = db();
    const out = await writeInParts(entries, d.write);
    assert.deepEqual(out.dropped.map((x) => x.entry), ['bad3', 'bad17']);
    assert.ok(out.dropped.every((x) => refusedForContent(x.error)));
    assert.deepEqual(out.unwritten, []);
    assert.deepEqual(d.stored, entries.filter((e) => e.startsWith('ok')));
    // Halving: each bad entry costs about two writes per level, not one write per entry.
    assert.ok(d.calls.length <= 1 + 2 * 2 * Math.ceil(Math.log2(entries.length)), `${d.calls.length} writes`);
  });

  it('a batch of one bad entry is dropped; a batch of only bad entries is dropped whole', async () => {
    assert.deepEqual((await writeInParts(['bad'], db().write)).dropped.map((x) => x.entry), ['bad']);
    const out = await writeInParts(['bad1', 'bad2', 'bad3'], db().write);
    assert.deepEqual(out.dropped.map((x) => x.entry), ['bad1', 'bad2', 'bad3']);
    assert.deepEqual(out.unwritten, []);
  });

  it('the database down: nothing is dropped, the whole batch comes back to be tried again', async () => {
    const d = db({ downAfterCalls: 0 });
    const out = await writeInParts(['a', 'bad', 'c'], d.write);
    assert.deepEqual(out.dropped, []);
    assert.deepEqual(out.unwritten, ['a', 'bad', 'c']);
    assert.equal((out.error as { code: string }).code, 'ECONNREFUSED');
    assert.equal(d.calls.length, 1, 'no splitting on an error that is not the entries’');
  });

  it('the database going down while splitting: what was written stays written, the rest comes back in order', async () => {
    const entries = ['a', 'b', 'bad', 'c', 'd', 'e', 'f', 'g'];
    // Calls: the whole batch (refused), its first half [a b bad c] (refused), [a b] (stored), then down.
    const d = db({ downAfterCalls: 3 });
    const out = await writeInParts(entries, d.write);
    assert.deepEqual(d.stored, ['a', 'b']);
    assert.deepEqual(out.dropped, []);
    assert.deepEqual(out.unwritten, ['bad', 'c', 'd', 'e', 'f', 'g']);
  });

  it('never throws, whatever the writer throws', async () => {
    const out = await writeInParts([1, 2], async () => {
      throw 'not even an Error';
    });
    assert.deepEqual(out.unwritten, [1, 2]);
    assert.equal(out.error, 'not even an Error');
  });
});
