// The committed schema.d.ts is what openapi-typescript makes of the committed OpenAPI
// document now (regenerated in memory), so the console cannot compile against an old API.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { committedSchemaTypes, schemaTypes, STALE_MESSAGE } from './schema-types';

describe('the console API types (schema.d.ts)', () => {
  it('are what npm run console:types makes of the OpenAPI document now', async () => {
    const fresh = await schemaTypes();
    // A line count and the first difference say more than a 300 kB string diff.
    if (committedSchemaTypes() !== fresh) {
      const a = committedSchemaTypes().split('\n');
      const b = fresh.split('\n');
      const line = b.findIndex((l, i) => l !== a[i]);
      assert.fail(`${STALE_MESSAGE}\n(first difference at line ${line + 1}: committed ${JSON.stringify(a[line])}, generated ${JSON.stringify(b[line])})`);
    }
  });
});
