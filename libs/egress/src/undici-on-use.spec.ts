import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { undici, UNDICI_PARTS } from './undici-on-use';

describe('undici, only the parts egress uses', () => {
  it('each part is the very object undici exports (an upgrade that moves a file fails here)', () => {
    const index = require('undici') as Record<string, unknown>;
    const parts = undici() as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(parts).sort(), Object.keys(UNDICI_PARTS).sort());
    for (const name of Object.keys(UNDICI_PARTS)) {
      assert.equal(typeof parts[name], 'function', name);
      assert.equal(parts[name], index[name], `${name} from ${UNDICI_PARTS[name as keyof typeof UNDICI_PARTS]}`);
    }
  });

  it('loads them once', () => {
    assert.equal(undici(), undici());
  });
});
