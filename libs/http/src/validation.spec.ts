import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, IsString, ValidateNested, validateSync } from 'class-validator';
import { createValidationPipe, findPrototypeKey, findUnstorable, FreeFormJson, IsOmittable, IsTimestamp, nothingToChange } from './validation';
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

  it('walks values nested far deeper than any stack (iterative), in the same order as before', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}"x\\u0000"${'}'.repeat(100_000)}`);
    assert.equal(findUnstorable(deep, '')?.split('.').length, 100_000);
    assert.equal(findUnstorable({ a: { b: 'ok', ['c\u0000']: 1 }, d: '\u0000' }, ''), 'a.c\u0000');
  });

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

describe('validation: how many problems an answer lists', () => {
  it('the first 20, then how many more (10,000 unknown keys answer in a few lines, not megabytes)', async () => {
    const body = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    await assert.rejects(createValidationPipe().transform(body, { type: 'body', metatype: Patch }), (e: unknown) => {
      assert.ok(e instanceof ValidationError);
      assert.equal(e.errors.length, 21);
      assert.deepEqual(e.errors[0], { field: 'k0', message: 'property k0 should not exist' });
      assert.deepEqual(e.errors[20], { field: 'body', message: 'and 9980 more problems' });
      assert.ok(JSON.stringify(e.toProblem()).length < 4000);
      return true;
    });
  });
});

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

class EventObject {
  @IsString()
  type: string;
}

class Event {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => EventObject)
  object: EventObject;

  @IsOptional()
  @IsObject()
  @FreeFormJson()
  data?: Record<string, unknown>;
}

class TypedEvent extends Event {
  @IsOptional()
  @IsObject()
  @FreeFormJson()
  example?: Record<string, unknown>;
}

describe('validation: free-form JSON (@FreeFormJson)', () => {
  const pipe = createValidationPipe();
  const meta = { type: 'body' as const, metatype: Event };
  const body = (text: string) => JSON.parse(text) as Record<string, unknown>;

  it('keeps keys named __proto__, constructor and prototype as own data, at any depth, and pollutes nothing', async () => {
    const text = '{"object":{"type":"a"},"data":{"constructor":"ACME Builders Ltd","prototype":"v2","__proto__":{"polluted":true},"kept":1,"n":{"constructor":{"a":1},"list":[{"__proto__":1}]}}}';
    const out = (await pipe.transform(body(text), meta)) as Event;
    assert.ok(out instanceof Event);
    assert.equal(JSON.stringify(out.data), JSON.stringify(body(text).data));
    assert.deepEqual(Object.keys(out.data ?? {}), ['constructor', 'prototype', '__proto__', 'kept', 'n']);
    assert.equal(Object.getPrototypeOf(out.data), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });
  it('still type-checks the property through its validators', async () => {
    for (const data of ['"x"', '[1]', '7']) await assert.rejects(pipe.transform(body(`{"object":{"type":"a"},"data":${data}}`), meta), (e: unknown) => e instanceof ValidationError && e.errors[0].field === 'data');
    assert.equal(((await pipe.transform(body('{"object":{"type":"a"},"data":null}'), meta)) as Event).data, null);
    assert.equal(((await pipe.transform(body('{"object":{"type":"a"}}'), meta)) as Event).data, undefined);
  });
  it('is inherited, and a subclass adds its own', async () => {
    const out = (await pipe.transform(body('{"object":{"type":"a"},"data":{"constructor":1},"example":{"prototype":2}}'), { type: 'body', metatype: TypedEvent })) as TypedEvent;
    assert.equal(JSON.stringify([out.data, out.example]), '[{"constructor":1},{"prototype":2}]');
  });
  it('refuses prototype-named keys in the structured part, naming them, where they used to vanish', async () => {
    for (const [text, field] of [
      ['{"object":{"type":"a"},"constructor":{"x":1}}', 'constructor'],
      ['{"object":{"type":"a"},"__proto__":{"x":1}}', '__proto__'],
      ['{"object":{"type":"a","prototype":"p"}}', 'object.prototype'],
    ]) {
      await assert.rejects(pipe.transform(body(text), meta), (e: unknown) => e instanceof ValidationError && e.errors[0].field === field && /should not exist/.test(e.errors[0].message), text);
    }
    await assert.rejects(pipe.transform(Object.assign(Object.create(null), { constructor: 'x' }), { type: 'query', metatype: EventObject }), (e: unknown) => e instanceof ValidationError && e.errors[0].field === 'constructor');
  });
  it('findPrototypeKey finds the first such key, iteratively', () => {
    assert.equal(findPrototypeKey({ a: [{ b: 1 }, { prototype: 1 }] }), 'a.1.prototype');
    assert.equal(findPrototypeKey({ a: 'constructor' }), undefined);
    assert.equal(findPrototypeKey({ name: 'x', toString: 1 }), 'toString');
    assert.equal(findPrototypeKey({ a: { valueOf: 2 } }), 'a.valueOf');
    assert.equal(findPrototypeKey(JSON.parse(`${'{"a":'.repeat(100_000)}{"constructor":1}${'}'.repeat(100_000)}`))?.split('.').length, 100_001);
  });
});

describe('nothingToChange', () => {
  it('is true only when every field is left out; null is a change', () => {
    assert.equal(nothingToChange({}), true);
    assert.equal(nothingToChange({ name: undefined, enabled: undefined }), true);
    assert.equal(nothingToChange({ name: undefined, headers: null }), false);
    assert.equal(nothingToChange({ enabled: false }), false);
  });
});
