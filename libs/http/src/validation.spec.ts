import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createValidationPipe, findNul } from './validation';
import { ValidationError } from './problems';

describe('validation: NUL characters', () => {
  const cases: [unknown, string, string | undefined][] = [
    ['plain', 'id', undefined],
    ['a\u0000b', 'id', 'id'],
    ['\u0000', '', 'body'],
    [{ name: 'x', object: { id: 'a\u0000' } }, '', 'object.id'],
    [{ data: { ['k\u0000']: 1 } }, '', 'data.k\u0000'],
    [{ list: ['a', 'b\u0000'] }, '', 'list.1'],
    [{ n: 1, b: true, z: null }, '', undefined],
  ];
  for (const [value, path, want] of cases) {
    it(`finds ${JSON.stringify(want)} in ${JSON.stringify(value)}`, () => assert.equal(findNul(value, path), want));
  }

  it('the pipe refuses them in bodies, queries and path parameters, naming the field', async () => {
    const pipe = createValidationPipe();
    await assert.rejects(pipe.transform('x\u0000', { type: 'param', data: 'id', metatype: String }), (err: unknown) => err instanceof ValidationError && JSON.stringify(err.toProblem()).includes('"field":"id"'));
    await assert.rejects(pipe.transform({ q: '\u0000' }, { type: 'query', metatype: Object }), ValidationError);
    assert.equal(await pipe.transform('fine', { type: 'param', data: 'id', metatype: String }), 'fine');
  });
});
