import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openMaps } from './response-types';
import { componentName, refsIn, rewriteRefs } from './schema-refs';

describe('component names for TypeScript type names', () => {
  const cases: [string, string][] = [
    ['UnitView', 'UnitView'],
    ['Page<UnitView>', 'UnitViewPage'],
    ['Page%3CUnitView%3E', 'UnitViewPage'],
    ['Record<string,unknown>', 'JsonObject'],
    ['Record<string, string>', 'StringMap'],
    ['Record<string,Row[]>', 'Record_string_Row__'],
    ['Pick<A,"b">', 'Pick_A__b_'],
  ];
  for (const [from, to] of cases) it(`${from} -> ${to}`, () => assert.equal(componentName(from), to));
});

describe('refs', () => {
  it('rewrites and lists every $ref, however deep', () => {
    const schema = { anyOf: [{ $ref: '#/definitions/A' }, { type: 'array', items: { $ref: '#/definitions/B' } }] };
    const out = rewriteRefs(schema, (r) => r.replace('#/definitions/', '#/components/schemas/'));
    assert.deepEqual([...refsIn(out)], ['#/components/schemas/A', '#/components/schemas/B']);
  });
});

describe('typescript-json-schema output made true for JSON Schema 2020-12', () => {
  it('a map it could not describe becomes an open object', () =>
    assert.deepEqual(openMaps({ type: 'object', properties: { data: { type: 'object', additionalProperties: false } } }), { type: 'object', properties: { data: { type: 'object' } } }));
  it('an object with properties stays closed', () => assert.deepEqual(openMaps({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }), { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }));
  it('a draft-07 tuple becomes prefixItems', () =>
    assert.deepEqual(openMaps({ type: 'array', items: [{ type: 'string' }, { type: 'string' }], minItems: 2, maxItems: 2 }), { type: 'array', prefixItems: [{ type: 'string' }, { type: 'string' }], minItems: 2, maxItems: 2 }));
});
