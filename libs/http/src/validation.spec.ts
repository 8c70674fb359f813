import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsString, validateSync } from 'class-validator';
import { createValidationPipe, findUnstorable, IsOmittable, IsTimestamp } from './validation';
import { ValidationError } from './problems';

describe('validation: text PostgreSQL cannot store', () => {
  const cases: [unknown, string, string | undefined][] = [
    ['plain', 'id', undefined],
    ['a\u0000b', 'id', 'id'],
    ['\u0000', '', 'body'],
    [{ name: 'x', object: { id: 'a\u0000' } }, '', 'object.id'],
    [{ data: { ['k\u0000']: 1 } }, '', 'data.k\u0000'],
    [{ list: ['a', 'b\u0000'] }, '', 'list.1'],
    [{ n: 1, b: true, z: null }, '', undefined],
    ['\uD800', 'id', 'id'],
    ['a\uDFFF', 'id', 'id'],
    [{ ['\uDFFF\uD800']: 'x' }, '', '\uDFFF\uD800'],
    ['💥 paired surrogates are fine', 'id', undefined],
  ];
  for (const [value, path, want] of cases) {
    it(`finds ${JSON.stringify(want)} in ${JSON.stringify(value)}`, () => assert.equal(findUnstorable(value, path), want));
  }

  it('the pipe refuses them in bodies, queries and path parameters, naming the field', async () => {
    const pipe = createValidationPipe();
    await assert.rejects(pipe.transform('x\u0000', { type: 'param', data: 'id', metatype: String }), (err: unknown) => err instanceof ValidationError && JSON.stringify(err.toProblem()).includes('"field":"id"'));
    await assert.rejects(pipe.transform({ q: '\u0000' }, { type: 'query', metatype: Object }), ValidationError);
    assert.equal(await pipe.transform('fine', { type: 'param', data: 'id', metatype: String }), 'fine');
  });
});

class Patch {
  @IsOmittable()
  @IsString()
  name?: string;
}

describe('validation: IsOmittable', () => {
  const pipe = createValidationPipe();
  const meta = { type: 'body' as const, metatype: Patch };
  it('lets a field be left out', async () => assert.equal(((await pipe.transform({}, meta)) as Patch).name, undefined));
  it('validates a value', async () => assert.equal(((await pipe.transform({ name: 'x' }, meta)) as Patch).name, 'x'));
  it('refuses null (where @IsOptional would let it through)', async () => assert.rejects(pipe.transform({ name: null }, meta), ValidationError));
});

describe('IsTimestamp', () => {
  class Q {
    @IsTimestamp()
    from?: string;
  }
  const check = (from: string) => validateSync(Object.assign(new Q(), { from })).length === 0;
  it('takes dates and date-times that Date and PostgreSQL read', () => {
    for (const v of ['2026-01-31', '2026-01-31T12:00:00Z', '2026-01-31T12:00:00.123+02:00']) assert.equal(check(v), true, v);
  });
  it('refuses ISO 8601 forms they do not read, and impossible dates', () => {
    for (const v of ['2020-W01-1', '2020-123', '2026-02-30', 'yesterday', '']) assert.equal(check(v), false, v);
  });
});
