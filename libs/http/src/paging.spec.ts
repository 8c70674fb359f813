import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IsOptional, IsString } from 'class-validator';
import { PageQuery } from './paging';
import { createValidationPipe } from './validation';
import { ValidationError } from './problems';

class ListThings extends PageQuery {
  @IsOptional()
  @IsString()
  name?: string;
}

describe('PageQuery', () => {
  const pipe = createValidationPipe();
  const parse = (query: Record<string, unknown>) => pipe.transform(query, { type: 'query', metatype: ListThings }) as Promise<ListThings>;
  const fields = async (query: Record<string, unknown>) => {
    try {
      await parse(query);
    } catch (err) {
      assert.ok(err instanceof ValidationError);
      return err.errors.map((e) => e.field);
    }
    assert.fail('expected a validation error');
  };

  it('turns limit into a number and keeps the cursor', async () => {
    const q = await parse({ limit: '500', cursor: 'c' });
    assert.equal(q.limit, 500);
    assert.equal(q.cursor, 'c');
  });
  it('leaves both out when not given', async () => {
    const q = await parse({});
    assert.equal(q.limit, undefined);
    assert.equal(q.cursor, undefined);
  });
  for (const limit of ['0', '501', '1.5', 'x', '']) it(`refuses limit=${JSON.stringify(limit)}, naming limit`, async () => assert.deepEqual(await fields({ limit }), ['limit']));
  it('refuses a cursor longer than 512 characters', async () => assert.deepEqual(await fields({ cursor: 'c'.repeat(513) }), ['cursor']));
  it("names a subclass's own fields before limit and cursor", async () => assert.deepEqual(await fields({ cursor: 'c'.repeat(513), limit: '0', name: ['x'] }), ['name', 'limit', 'cursor']));
});
