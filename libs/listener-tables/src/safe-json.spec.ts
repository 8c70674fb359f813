import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonShapeProblem, parseJsonBody, parseJsonText } from './safe-json';

describe('jsonShapeProblem', () => {
  const limits = { maxDepth: 4, maxKeys: 3 };
  const table: [string, string | undefined][] = [
    ['{"a":{"b":[1,{"c":2}]}}', undefined],
    ['[[[[[1]]]]]', 'nests deeper than 4 levels'],
    ['{"a":1,"b":2,"c":3}', undefined],
    ['{"a":1,"b":2,"c":3,"d":4}', 'has more than 3 keys'],
    // Brackets, colons and escaped quotes inside strings do not count.
    ['{"a":"[[[[[[:::::\\"]]]]"}', undefined],
    ['"\\\\"', undefined],
  ];
  for (const [text, problem] of table) it(`${text.slice(0, 30)} -> ${problem ?? 'fine'}`, () => assert.equal(jsonShapeProblem(text, limits), problem));
  it('a 100,000-deep document is refused without a stack overflow', () => {
    assert.match(jsonShapeProblem('['.repeat(100_000) + ']'.repeat(100_000)) ?? '', /deeper than 32/);
  });
});

describe('parseJsonBody', () => {
  it('keeps __proto__, constructor and prototype as own data, polluting nothing', () => {
    const r = parseJsonBody(Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"prototype":"v2"}'));
    assert.ok(r.ok);
    const v = r.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(v), ['__proto__', 'constructor', 'prototype']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
  });
  it('refuses invalid UTF-8 naming the body', () => {
    const r = parseJsonBody(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    assert.deepEqual(r, { ok: false, problem: { field: 'body', message: 'is not valid UTF-8' } });
  });
  it('refuses malformed JSON naming the body', () => {
    const r = parseJsonText('{"a":');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.problem.field, 'body');
  });
  it('strips a byte order mark', () => assert.deepEqual(parseJsonBody(Buffer.from('\ufeff{"a":1}')), { ok: true, value: { a: 1 } }));
});
